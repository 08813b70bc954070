# The iMessage channel (issue #8): messages per second from imsg notifications through the daemon to a no-op runner
# and back to imsg's send, and the latency of a read-only command (/status) while the chat's lane is busy.
# The transport is the stand-in imsg (tests/Fixtures/imsg-standin.py, python3), which repeats every notification.
# Reference, measured in the same run: the same no-op runs queued through the daemon by Invoke-MsgcodeTask -Queue.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

if (-not $IsLinux -or -not (Get-Command python3 -ErrorAction SilentlyContinue)) { Write-Warning 'Channel benchmarks need Linux and python3 (for the stand-in imsg); skipped.'; return }
$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-channel-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $scratch | Out-Null
$env:MSGCODE_HOME = Join-Path $scratch 'home'
$python = & python3 -c 'import sys; print(sys.executable)'
$standIn = (Resolve-Path (Join-Path $PSScriptRoot '..' 'Fixtures' 'imsg-standin.py')).Path
$imsgDir = Join-Path $scratch 'imsg'
New-Item -ItemType Directory -Path $imsgDir, (Join-Path $scratch 'root') | Out-Null
Set-Content (Join-Path $imsgDir 'imsg') "#!/bin/sh`nexec '$python' '$standIn' `"`$@`" --dir '$imsgDir'`n" -NoNewline
& chmod +x (Join-Path $imsgDir 'imsg')
New-Item -ItemType File -Path (Join-Path $imsgDir 'messages.jsonl') | Out-Null
try {
    $n = 100
    $measure = @"
Import-Module '$ModulePath'
`$ErrorActionPreference = 'Stop'
Set-MsgcodeConfig imsg.path '$imsgDir/imsg'
Set-MsgcodeConfig whitelist.emails 'bench@example.com'
Set-MsgcodeConfig workspace.root '$scratch/root'
Set-MsgcodeConfig channel.ackDelayMs -1
`$messages = '$imsgDir/messages.jsonl'
`$sends = '$imsgDir/sends.jsonl'
`$script:rowid = 0
function Send-Chat([string] `$Chat, [string[]] `$Texts) {
    `$lines = foreach (`$t in `$Texts) { `$script:rowid++; [ordered]@{ id = `$script:rowid; chat_id = 1; guid = "g`$script:rowid"; sender = 'bench@example.com'; is_from_me = `$false; text = `$t; created_at = [DateTimeOffset]::UtcNow.ToString('o'); chat_guid = `$Chat; is_group = `$true } | ConvertTo-Json -Compress }
    [IO.File]::AppendAllText(`$messages, ((`$lines -join "`n") + "`n"))
}
function SendCount { if (Test-Path `$sends) { @([IO.File]::ReadAllLines(`$sends)).Count } else { 0 } }
`$null = Start-MsgcodeDaemon
Send-Chat 'iMessage;+;chatbench01' '/bind fast shell'
while ((SendCount) -lt 1) { Start-Sleep -Milliseconds 10 }

# Throughput: n plain messages, each a task running 'true', each answered.
`$before = SendCount
`$sw = [Diagnostics.Stopwatch]::StartNew()
Send-Chat 'iMessage;+;chatbench01' (1..$n | ForEach-Object { 'true' })
while ((SendCount) -lt `$before + $n) { Start-Sleep -Milliseconds 10 }
`$channelMs = `$sw.Elapsed.TotalMilliseconds

# Reference: the same runs queued through the daemon directly.
`$ws = '$scratch/root/direct'
New-Item -ItemType Directory -Path `$ws | Out-Null
`$tasks = 1..$n | ForEach-Object { [pscustomobject]@{ Title = "t`$_"; Prompt = 'true'; Workspace = `$ws } } | New-MsgcodeTask -Runner shell
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$null = `$tasks | Invoke-MsgcodeTask -Queue
while (@(Get-Content "`$ws/tasks/runs.jsonl" | Where-Object { `$_ -match '"event":"finished"' }).Count -lt $n) { Start-Sleep -Milliseconds 10 }
`$directMs = `$sw.Elapsed.TotalMilliseconds

# Latency of /status while the chat's lane runs a long task: from writing the message to imsg's send.
Send-Chat 'iMessage;+;chatbench02' '/bind busy shell'
while ((SendCount) -lt `$before + $n + 1) { Start-Sleep -Milliseconds 10 }
Send-Chat 'iMessage;+;chatbench02' 'sleep 60'
while (-not (Get-MsgcodeTask -Workspace '$scratch/root/busy' -Status running)) { Start-Sleep -Milliseconds 20 }
`$latencies = foreach (`$i in 1..15) {
    `$count = SendCount
    `$t0 = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    Send-Chat 'iMessage;+;chatbench02' '/status'
    while ((SendCount) -le `$count) { Start-Sleep -Milliseconds 2 }
    ([IO.File]::ReadAllLines(`$sends)[-1] | ConvertFrom-Json).tsMs - `$t0
}
`$median = (`$latencies | Sort-Object)[[int][Math]::Floor(`$latencies.Count / 2)]
Send-Chat 'iMessage;+;chatbench02' '/stop'
Start-Sleep -Milliseconds 300
`$null = Stop-MsgcodeDaemon
"`$channelMs;`$directMs;`$median"
"@
    $parts = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $measure)[-1]) -split ';' | ForEach-Object { [double]$_ }
    $rate = $n / ($parts[0] / 1000)
    $directRate = $n / ($parts[1] / 1000)
    New-BenchResult -Scenario 'channel' -Metric "$n chat messages -> no-op shell task -> reply (messages/s)" -Value $rate -Unit 'msg/s' -Reference $directRate `
        -ReferenceName 'the same runs queued by Invoke-MsgcodeTask -Queue (runs/s)' -Target '>= 0.5x' -Met ($rate / $directRate -ge 0.5)
    New-BenchResult -Scenario 'channel' -Metric '/status latency while the lane is busy (notification to send, median of 15)' -Value $parts[2] -Unit 'ms' `
        -Target '<= 500 ms' -Met ($parts[2] -le 500)
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:MSGCODE_HOME -ErrorAction SilentlyContinue
}

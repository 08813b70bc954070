# The daemon (issue: daemon): start-to-ready and idle stop time, idle memory, and queued-run throughput.
# References, measured in the same run: a bare pwsh start, and the same processes run in a plain loop.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

if (-not $IsLinux) { Write-Warning 'Daemon benchmarks read /proc; skipped on this platform.'; return }
$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-daemon-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $scratch | Out-Null
$env:MSGCODE_HOME = Join-Path $scratch 'home'
try {
    $baseline = Measure-Median -Count 5 -Action { Invoke-BenchPwsh -Pwsh $Pwsh -Command 'exit 0' }
    $n = 200
    # Two workspaces: two lanes, the default daemon.maxConcurrentRuns.
    $ws = Join-Path $scratch 'ws1'
    $ws2 = Join-Path $scratch 'ws2'
    New-Item -ItemType Directory -Path $ws, $ws2 | Out-Null
    $measure = @"
Import-Module '$ModulePath'
`$start = (Measure-Command { `$null = Start-MsgcodeDaemon }).TotalMilliseconds
Start-Sleep -Seconds 2
`$d = Get-MsgcodeDaemon
`$rss = [double]((Get-Content "/proc/`$(`$d.Pid)/status" | Where-Object { `$_ -like 'VmRSS:*' }) -replace '\D', '') / 1024
`$tasks = foreach (`$w in '$ws', '$ws2') { 1..($n / 2) | ForEach-Object { [pscustomobject]@{ Title = "t`$_"; Prompt = 'true'; Workspace = `$w } } | New-MsgcodeTask -Runner shell }
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$null = `$tasks | Invoke-MsgcodeTask -Queue
function Finished([string] `$w) { @(Get-Content "`$w/tasks/runs.jsonl" | Where-Object { `$_ -match '"event":"finished"' }).Count }
while ((Finished '$ws') + (Finished '$ws2') -lt $n) { Start-Sleep -Milliseconds 20 }
`$queued = `$sw.Elapsed.TotalMilliseconds
`$stop = (Measure-Command { `$null = Stop-MsgcodeDaemon }).TotalMilliseconds
`$plain = (Measure-Command { 1..$n | ForEach-Object { `$p = [Diagnostics.Process]::Start('/bin/sh', @('-c', 'true')); `$p.WaitForExit() } }).TotalMilliseconds
"`$start;`$stop;`$rss;`$queued;`$plain"
"@
    $parts = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $measure)[-1]) -split ';' | ForEach-Object { [double]$_ }
    New-BenchResult -Scenario 'daemon' -Metric 'Start-MsgcodeDaemon until ready' -Value $parts[0] -Unit 'ms' -Reference $baseline -ReferenceName 'pwsh -NoProfile -c exit'
    New-BenchResult -Scenario 'daemon' -Metric 'Stop-MsgcodeDaemon, idle' -Value $parts[1] -Unit 'ms'
    New-BenchResult -Scenario 'daemon' -Metric 'idle memory (RSS)' -Value $parts[2] -Unit 'MiB'
    New-BenchResult -Scenario 'daemon' -Metric "$n queued shell runs of 'true' in 2 workspaces" -Value $parts[3] -Unit 'ms' -Reference $parts[4] `
        -ReferenceName 'the same processes in a plain loop' -Target '<= 2x' -Met ($parts[3] / $parts[4] -le 2)
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:MSGCODE_HOME -ErrorAction SilentlyContinue
}

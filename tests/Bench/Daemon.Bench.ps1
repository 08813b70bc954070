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
# Throughput is a long-lived daemon's: measured once it has warmed up (its code compiled), like any server's.
# The two workspaces' tasks alternate in the pipeline, so both lanes are busy from the first request on (in
# workspace order, the second lane would idle while the first half is queued, which measures queueing, not lanes).
function New-Tasks([string] `$prefix, [int] `$count) { 1..(`$count / 2) | ForEach-Object { foreach (`$w in '$ws', '$ws2') { [pscustomobject]@{ Title = "`$prefix`$_"; Prompt = 'true'; Workspace = `$w } } } | New-MsgcodeTask -Runner shell }
# Counts "finished" records as the ledgers grow, reading only what was appended since the last look.
`$seen = @{ '$ws' = [pscustomobject]@{ Offset = 0L; Tail = ''; Count = 0 }; '$ws2' = [pscustomobject]@{ Offset = 0L; Tail = ''; Count = 0 } }
function Finished {
    `$total = 0
    foreach (`$w in `$seen.Keys) {
        `$s = `$seen[`$w]
        `$stream = [IO.FileStream]::new("`$w/tasks/runs.jsonl", 'Open', 'Read', 'ReadWrite')
        try {
            `$null = `$stream.Seek(`$s.Offset, 'Begin')
            `$bytes = [byte[]]::new(`$stream.Length - `$s.Offset)
            `$read = `$stream.Read(`$bytes, 0, `$bytes.Length)
        } finally { `$stream.Dispose() }
        `$s.Offset += `$read
        `$text = `$s.Tail + [Text.Encoding]::UTF8.GetString(`$bytes, 0, `$read)
        `$s.Count += [regex]::Matches(`$text, '"event":"finished"').Count
        `$s.Tail = if (`$text.Length -gt 17) { `$text.Substring(`$text.Length - 17) } else { `$text }
        `$total += `$s.Count
    }
    `$total
}
# Queues the tasks and returns the time from the first request to the moment the last of their runs had its
# outcome recorded (the ledger's timestamp, same clock): the client looks only every 25 ms meanwhile, so its
# looking neither costs the daemon CPU nor rounds the time up.
function Measure-Queued(`$tasks, [int] `$finishedAfter) {
    `$t0 = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    `$runs = @(`$tasks | Invoke-MsgcodeTask -Queue)
    while ((Finished) -lt `$finishedAfter) { Start-Sleep -Milliseconds 25 }
    `$ids = [Collections.Generic.HashSet[string]]::new([string[]]`$runs.RunId)
    `$ends = foreach (`$w in '$ws', '$ws2') { Get-Content "`$w/tasks/runs.jsonl" | ConvertFrom-Json | Where-Object { `$_.event -eq 'finished' -and `$ids.Contains(`$_.runId) } | ForEach-Object tsMs }
    if (@(`$ends).Count -ne `$runs.Count) { throw "`$(`$runs.Count) runs were queued but `$(@(`$ends).Count) finished." }
    [double]((`$ends | Measure-Object -Maximum).Maximum - `$t0)
}
# A fresh daemon's first rounds are printed as its cold throughput (no target): it compiles its code as it goes.
# Two rounds, each its own pipeline (a new control connection), each followed by a pause in which the runtime
# optimizes what got hot; then the steady-state round that the target is about.
`$cold = [Collections.Generic.List[double]]::new()
foreach (`$round in 1, 2) {
    `$cold.Add((Measure-Queued (New-Tasks "w`$round-" $n) (`$round * $n)))
    Start-Sleep -Seconds 2
}
`$queued = Measure-Queued (New-Tasks 't' $n) (3 * $n)
`$stop = (Measure-Command { `$null = Stop-MsgcodeDaemon }).TotalMilliseconds
1..20 | ForEach-Object { `$p = [Diagnostics.Process]::Start('/bin/sh', @('-c', 'true')); `$p.WaitForExit() } # the same warm-up for the reference
`$plain = (Measure-Command { 1..$n | ForEach-Object { `$p = [Diagnostics.Process]::Start('/bin/sh', @('-c', 'true')); `$p.WaitForExit() } }).TotalMilliseconds
"`$start;`$stop;`$rss;`$queued;`$plain;`$(`$cold[0])"
"@
    $parts = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $measure)[-1]) -split ';' | ForEach-Object { [double]$_ }
    New-BenchResult -Scenario 'daemon' -Metric 'Start-MsgcodeDaemon until ready' -Value $parts[0] -Unit 'ms' -Reference $baseline -ReferenceName 'pwsh -NoProfile -c exit'
    New-BenchResult -Scenario 'daemon' -Metric 'Stop-MsgcodeDaemon, idle' -Value $parts[1] -Unit 'ms'
    New-BenchResult -Scenario 'daemon' -Metric 'idle memory (RSS)' -Value $parts[2] -Unit 'MiB'
    New-BenchResult -Scenario 'daemon' -Metric "$n queued shell runs of 'true' in 2 workspaces" -Value $parts[3] -Unit 'ms' -Reference $parts[4] `
        -ReferenceName 'the same processes in a plain loop' -Target '<= 2x' -Met ($parts[3] / $parts[4] -le 2)
    New-BenchResult -Scenario 'daemon' -Metric "the same, the first $n runs of a fresh daemon (cold)" -Value $parts[5] -Unit 'ms' -Reference $parts[4] `
        -ReferenceName 'the same processes in a plain loop'
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:MSGCODE_HOME -ErrorAction SilentlyContinue
}

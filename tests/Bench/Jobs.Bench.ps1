# Scheduled jobs (issue: jobs): 10,000 jobs. The time to compute all their next runs (reference: Cronos
# alone, parsing each expression and stepping it, measured in the same run), and the daemon with them
# loaded: time until loaded, memory (RSS) against the same daemon with no job, CPU while it waits.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

$probe = Join-Path $PSScriptRoot '..' 'Msgcode.Core.Bench' 'bin' 'Release' 'net10.0' 'Msgcode.Core.Bench.dll'
if (-not (Test-Path $probe)) { throw "Build the solution first (missing $probe)." }
function Invoke-Probe([string] $Name, [string] $Folder, [int] $Count) {
    $out = & dotnet $probe $Name $Folder $Count
    if ($LASTEXITCODE -ne 0) { throw "probe $Name failed" }
    return [double]@($out)[-1]
}

$n = 10000
$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-jobs-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $scratch | Out-Null
try {
    # 1. Next runs of 10,000 jobs (cron in five time zones, every, at), median of 5 passes.
    $next = Invoke-Probe jobs-next $scratch $n
    $cronos = Invoke-Probe cronos-next $scratch $n
    New-BenchResult -Scenario 'jobs' -Metric "next run of $n jobs" -Value $next -Unit 'ms' -Reference $cronos `
        -ReferenceName 'Cronos alone: parse + next occurrence per job' -Target '< 1 s' -Met ($next -lt 1000)

    if (-not $IsLinux) { Write-Warning 'Daemon memory is read from /proc; skipped on this platform.'; return }

    # 2. The daemon with 10,000 jobs loaded vs with none.
    $measure = {
        param([string] $HomePath, [int] $Expected)
        @"
`$env:MSGCODE_HOME = '$HomePath'
Import-Module '$ModulePath'
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$null = Start-MsgcodeDaemon
while ((Get-MsgcodeDaemon).JobCount -lt $Expected) { Start-Sleep -Milliseconds 20 }
`$loaded = `$sw.Elapsed.TotalMilliseconds
Start-Sleep -Seconds 3
`$d = Get-MsgcodeDaemon
function Cpu { `$f = (Get-Content "/proc/`$(`$d.Pid)/stat") -replace '^.*\) ', '' -split ' '; ([double]`$f[11] + [double]`$f[12]) * 10 }
`$cpu0 = Cpu
Start-Sleep -Seconds 10
`$cpu = (Cpu) - `$cpu0
`$rss = [double]((Get-Content "/proc/`$(`$d.Pid)/status" | Where-Object { `$_ -like 'VmRSS:*' }) -replace '\D', '') / 1024
`$null = Stop-MsgcodeDaemon
"`$loaded;`$rss;`$cpu"
"@
    }
    $empty = Join-Path $scratch 'empty-home'
    New-Item -ItemType Directory -Path $empty | Out-Null
    $null = Invoke-BenchPwsh -Pwsh $Pwsh -Command (& $measure $empty 0)   # warm-up: the first start pays for cold caches
    $idle = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command (& $measure $empty 0))[-1]) -split ';' | ForEach-Object { [double]$_ }
    $full = Join-Path $scratch 'jobs-home'
    $null = Invoke-Probe jobs-generate $full $n
    $loaded = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command (& $measure $full $n))[-1]) -split ';' | ForEach-Object { [double]$_ }
    New-BenchResult -Scenario 'jobs' -Metric "daemon start until $n jobs are loaded" -Value $loaded[0] -Unit 'ms' -Reference $idle[0] -ReferenceName 'the same start with no job'
    New-BenchResult -Scenario 'jobs' -Metric "daemon memory (RSS) with $n jobs loaded" -Value $loaded[1] -Unit 'MiB' -Reference $idle[1] -ReferenceName 'the same daemon with no job'
    New-BenchResult -Scenario 'jobs' -Metric "daemon CPU over 10 s waiting, $n jobs" -Value $loaded[2] -Unit 'ms' -Reference $idle[2] -ReferenceName 'the same daemon with no job'
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
}

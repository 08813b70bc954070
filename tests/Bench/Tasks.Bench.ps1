# Task store and run ledger (issue: tasks). References: the physical floor (the same files written with
# temp + fsync + rename in a bare C# loop), measured in the same run.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

$probe = Join-Path $PSScriptRoot '..' 'Msgcode.Core.Bench' 'bin' 'Release' 'net10.0' 'Msgcode.Core.Bench.dll'
if (-not (Test-Path $probe)) { throw "Build the solution first (missing $probe)." }
function Invoke-Probe([string] $Name, [string] $Folder, [int] $Count) {
    $out = & dotnet $probe $Name $Folder $Count
    if ($LASTEXITCODE -ne 0) { throw "probe $Name failed" }
    return [double]$out
}

$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-tasks-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $scratch | Out-Null
$env:MSGCODE_HOME = Join-Path $scratch 'home'
try {
    # 1. Creating 10,000 tasks through one New-MsgcodeTask pipeline vs the floor.
    $n = 10000
    $floor = Invoke-Probe floor (Join-Path $scratch 'floor') $n
    $ws = Join-Path $scratch 'create'
    New-Item -ItemType Directory -Path $ws | Out-Null
    $create = @"
Import-Module '$ModulePath'
`$sw = [Diagnostics.Stopwatch]::StartNew()
1..$n | ForEach-Object { [pscustomobject]@{ Title = "task `$_"; Prompt = "prompt `$_" } } | New-MsgcodeTask -Workspace '$ws' -Runner pwsh | Out-Null
`$sw.Elapsed.TotalMilliseconds
"@
    $created = [double](@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $create)[-1])
    New-BenchResult -Scenario 'New-MsgcodeTask' -Metric "create $n tasks (one pipeline)" -Value $created -Unit 'ms' -Reference $floor `
        -ReferenceName 'same files, temp+fsync+rename, bare C# loop' -Target '<= 5x floor' -Met ($created / $floor -le 5)

    # 2-4. 100,000 tasks: rebuild the index, list, and get one by id.
    $big = Join-Path $scratch 'big'
    $null = Invoke-Probe generate $big 100000
    $id = (Get-ChildItem (Join-Path $big 'tasks') -Filter 'tsk_*.json' | Select-Object -Last 1).BaseName
    $measure = @"
Import-Module '$ModulePath'
`$rebuild = (Measure-Command { `$null = Get-MsgcodeTask -Workspace '$big' | Measure-Object }).TotalMilliseconds
`$list = foreach (`$i in 1..3) { (Measure-Command { `$null = Get-MsgcodeTask -Workspace '$big' | Measure-Object }).TotalMilliseconds }
`$one = foreach (`$i in 1..21) { (Measure-Command { `$null = Get-MsgcodeTask -Id '$id' -Workspace '$big' }).TotalMilliseconds }
"`$rebuild;`$((`$list | Sort-Object)[1]);`$((`$one | Sort-Object)[10])"
"@
    $parts = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $measure)[-1]) -split ';' | ForEach-Object { [double]$_ }
    New-BenchResult -Scenario 'Get-MsgcodeTask' -Metric 'rebuild the index of 100,000 tasks' -Value $parts[0] -Unit 'ms' -Target '<= 20 s' -Met ($parts[0] -le 20000)
    New-BenchResult -Scenario 'Get-MsgcodeTask' -Metric 'list 100,000 tasks | Measure-Object' -Value $parts[1] -Unit 'ms' -Target '<= 2 s' -Met ($parts[1] -le 2000)
    New-BenchResult -Scenario 'Get-MsgcodeTask' -Metric 'one task by id among 100,000 (median)' -Value $parts[2] -Unit 'ms' -Target '<= 20 ms' -Met ($parts[2] -le 20)

    # 5. Appending 10,000 run records with fsync.
    $append = Invoke-Probe ledger-append (Join-Path $scratch 'ledger') 10000
    $rate = 10000 / ($append / 1000)
    New-BenchResult -Scenario 'runs.jsonl' -Metric 'append 10,000 records (lock + fsync each)' -Value $rate -Unit 'rec/s' -Target '>= 1,000/s' -Met ($rate -ge 1000)

    # 6. The last 50 runs of a 1,000,000-line ledger.
    $null = Invoke-Probe ledger-fill (Join-Path $scratch 'million') 1000000
    $tail = Invoke-Probe ledger-tail (Join-Path $scratch 'million') 50
    New-BenchResult -Scenario 'runs.jsonl' -Metric 'newest 50 runs of a 1,000,000-line ledger (median)' -Value $tail -Unit 'ms' -Target '<= 100 ms' -Met ($tail -le 100)
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:MSGCODE_HOME -ErrorAction SilentlyContinue
}

# Runners and the doctor (issue: runners). Reference: starting the same process directly, in the same run.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-runners-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $scratch | Out-Null
$env:MSGCODE_HOME = Join-Path $scratch 'home'
try {
    $ws = Join-Path $scratch 'ws'
    New-Item -ItemType Directory -Path $ws | Out-Null
    $measure = @"
Import-Module '$ModulePath'
function Median([double[]] `$values) { (`$values | Sort-Object)[[int][Math]::Floor(`$values.Count / 2)] }
`$task = New-MsgcodeTask -Title 'true' -Prompt 'true' -Runner shell -Workspace '$ws'
`$null = Invoke-MsgcodeTask -Id `$task.Id -Workspace '$ws'
# Interleaved pairs: a burst of load from elsewhere on the machine hits both sides alike.
`$pairs = foreach (`$i in 1..31) {
    [pscustomobject]@{
        Invoke = (Measure-Command { `$null = Invoke-MsgcodeTask -Id `$task.Id -Workspace '$ws' -Force }).TotalMilliseconds
        Direct = (Measure-Command { `$p = [Diagnostics.Process]::Start('/bin/sh', @('-c', 'true')); `$p.WaitForExit() }).TotalMilliseconds
    }
}
`$invoke = Median `$pairs.Invoke
`$direct = Median `$pairs.Direct
`$null = Test-MsgcodeDoctor -Detailed
`$doctor = Median (1..3 | ForEach-Object { (Measure-Command { `$null = Test-MsgcodeDoctor -Detailed }).TotalMilliseconds })
"`$invoke;`$direct;`$doctor"
"@
    $parts = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $measure)[-1]) -split ';' | ForEach-Object { [double]$_ }
    New-BenchResult -Scenario 'Invoke-MsgcodeTask' -Metric "shell runner running 'true' (median of 31, interleaved)" -Value $parts[0] -Unit 'ms' -Reference $parts[1] `
        -ReferenceName "starting /bin/sh -c true directly" -Target '<= 3x' -Met ($parts[0] / $parts[1] -le 3)
    New-BenchResult -Scenario 'Test-MsgcodeDoctor' -Metric 'all categories, -Detailed (median of 3)' -Value $parts[2] -Unit 'ms' -Target '< 3 s' -Met ($parts[2] -lt 3000)
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:MSGCODE_HOME -ErrorAction SilentlyContinue
}

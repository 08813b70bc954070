# Attempts (issue: parallel attempts). References measured in the same run:
#  - four attempts of a task whose runner waits 2 s (as a model does), side by side, against one attempt alone;
#  - four attempts' worktrees on a generated repository of 10,000 files (runner: `true`, so the run is the worktree,
#    its patch and its bookkeeping), against `git worktree add` run four times.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-attempts-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $scratch | Out-Null
try {
    $measure = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
Import-Module '$ModulePath'
`$env:MSGCODE_HOME = Join-Path '$scratch' 'home'
foreach (`$n in 'GIT_AUTHOR_NAME', 'GIT_COMMITTER_NAME') { [Environment]::SetEnvironmentVariable(`$n, 'bench') }
foreach (`$n in 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_EMAIL') { [Environment]::SetEnvironmentVariable(`$n, 'bench@example.com') }
function Median([double[]] `$values) { (`$values | Sort-Object)[[int][Math]::Floor(`$values.Count / 2)] }
function New-Repo([string] `$Path, [int] `$Folders) {
    New-Item -ItemType Directory -Path `$Path | Out-Null
    git -C `$Path init -q -b main
    foreach (`$d in 0..(`$Folders - 1)) {
        `$dir = Join-Path `$Path "src/d`$d"
        [IO.Directory]::CreateDirectory(`$dir) | Out-Null
        foreach (`$f in 0..99) { [IO.File]::WriteAllText((Join-Path `$dir "f`$f.txt"), "file `$d/`$f`n" + ('x' * 200) + "`n") }
    }
    git -C `$Path add -A; git -C `$Path commit -q -m 'files'
}
function Invoke-Attempts([string] `$Ws, [string] `$Prompt, [int] `$Count) {
    `$task = New-MsgcodeTask -Title "bench" -Prompt `$Prompt -Runner shell -Workspace `$Ws
    (Measure-Command {
        `$runs = Invoke-MsgcodeTask -Id `$task.Id -Workspace `$Ws -Worktree -Attempts `$Count -ThrottleLimit `$Count
        if (@(`$runs | Where-Object Status -EQ 'succeeded').Count -ne `$Count) { throw 'an attempt failed' }
    }).TotalMilliseconds
}

# Four attempts that each wait 2 s, against one (interleaved).
`$small = Join-Path '$scratch' 'small'
New-Repo `$small 1
`$one = [Collections.Generic.List[double]]::new(); `$four = [Collections.Generic.List[double]]::new()
foreach (`$i in 1..3) {
    `$one.Add((Invoke-Attempts `$small 'sleep 2; echo done > out.txt' 1))
    `$four.Add((Invoke-Attempts `$small 'sleep 2; echo done > out.txt' 4))
}

# Four attempts' worktrees on 10,000 files, against git worktree add four times (interleaved).
`$big = Join-Path '$scratch' 'big'
New-Repo `$big 100
`$refTimes = [Collections.Generic.List[double]]::new(); `$ourTimes = [Collections.Generic.List[double]]::new()
# Which goes first alternates: creating 40,000 files right after 40,000 were deleted costs more on some file systems.
foreach (`$i in 1..6) {
    `$ref = {
        `$refTimes.Add((Measure-Command {
            foreach (`$n in 1..4) { git -C `$big worktree add -q -b "ref/`$i/`$n" (Join-Path '$scratch' "ref`$i-`$n") HEAD }
        }).TotalMilliseconds)
        foreach (`$n in 1..4) { git -C `$big worktree remove --force (Join-Path '$scratch' "ref`$i-`$n"); git -C `$big branch -q -D "ref/`$i/`$n" }
    }
    `$ours = {
        `$ourTimes.Add((Invoke-Attempts `$big 'true' 4))
        Get-MsgcodeWorktree -Workspace `$big | Remove-MsgcodeWorktree -Workspace `$big -Confirm:`$false
    }
    if (`$i % 2) { & `$ref; & `$ours } else { & `$ours; & `$ref }
}
"`$(Median `$four);`$(Median `$one);`$(Median `$ourTimes);`$(Median `$refTimes)"
"@
    $parts = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $measure)[-1]) -split ';' | ForEach-Object { [double]$_ }
    New-BenchResult -Scenario 'Invoke-MsgcodeTask -Worktree -Attempts 4' -Metric 'four attempts whose runner waits 2 s, side by side (median of 3)' -Value $parts[0] -Unit 'ms' -Reference $parts[1] `
        -ReferenceName 'one attempt of the same task' -Target '<= 1.5x' -Met ($parts[0] / $parts[1] -le 1.5)
    New-BenchResult -Scenario 'Invoke-MsgcodeTask -Worktree -Attempts 4' -Metric '10,000-file repository: four attempts (worktree, run, patch) (median of 6, alternating)' -Value $parts[2] -Unit 'ms' -Reference $parts[3] `
        -ReferenceName 'git worktree add, four times' -Target '<= 1.5x' -Met ($parts[2] / $parts[3] -le 1.5)
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
}

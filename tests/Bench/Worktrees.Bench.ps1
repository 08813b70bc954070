# Worktree isolation (issue: worktrees). On a generated repository of 10,000 files: creating a task's worktree,
# running a shell edit in it and capturing its patch, against `git worktree add` + the same edit + `git diff --binary`
# run in the same benchmark.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-worktrees-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $scratch | Out-Null
try {
    $measure = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$env:MSGCODE_HOME = Join-Path '$scratch' 'home'
foreach (`$n in 'GIT_AUTHOR_NAME', 'GIT_COMMITTER_NAME') { [Environment]::SetEnvironmentVariable(`$n, 'bench') }
foreach (`$n in 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_EMAIL') { [Environment]::SetEnvironmentVariable(`$n, 'bench@example.com') }
function Median([double[]] `$values) { (`$values | Sort-Object)[[int][Math]::Floor(`$values.Count / 2)] }
`$ws = Join-Path '$scratch' 'repo'
New-Item -ItemType Directory -Path `$ws | Out-Null
git -C `$ws init -q -b main
foreach (`$d in 0..99) {
    `$dir = Join-Path `$ws "src/d`$d"
    [IO.Directory]::CreateDirectory(`$dir) | Out-Null
    foreach (`$f in 0..99) { [IO.File]::WriteAllText((Join-Path `$dir "f`$f.txt"), "file `$d/`$f`n" + ('x' * 200) + "`n") }
}
git -C `$ws add -A; git -C `$ws commit -q -m 'ten thousand files'
# The same edit in both: ten files changed, one added, one binary added.
`$edit = 'for i in 0 1 2 3 4 5 6 7 8 9; do echo changed >> src/d`$i/f1.txt; done; echo new > added.txt; printf "\000\001\002" > blob.bin'
# Interleaved, so that both meet the file system in the same state (creating 10,000 files dominates both).
`$refTimes = [Collections.Generic.List[double]]::new(); `$ourTimes = [Collections.Generic.List[double]]::new()
foreach (`$i in 1..5) {
    `$path = Join-Path '$scratch' "ref`$i"
    `$refTimes.Add((Measure-Command {
        git -C `$ws worktree add -q -b "ref/`$i" `$path HEAD
        Push-Location `$path; sh -c `$edit; Pop-Location
        git -C `$path add -A; git -C `$path diff --binary --cached HEAD > (Join-Path '$scratch' "ref`$i.diff")
    }).TotalMilliseconds)
    git -C `$ws worktree remove --force `$path; git -C `$ws branch -q -D "ref/`$i"

    `$task = New-MsgcodeTask -Title "bench `$i" -Prompt `$edit -Runner shell -Workspace `$ws
    `$ourTimes.Add((Measure-Command { `$run = Invoke-MsgcodeTask -Id `$task.Id -Workspace `$ws -Worktree; if (`$run.Status -ne 'succeeded') { throw `$run.ErrorMessage } }).TotalMilliseconds)
    if ((Get-MsgcodePatch `$task.Id -Workspace `$ws).FilesChanged -ne 12) { throw 'the patch does not hold the twelve changes' }
    Remove-MsgcodeWorktree `$task.Id -Workspace `$ws -Confirm:`$false
}
`$ref = Median `$refTimes
`$ours = Median `$ourTimes
"`$ours;`$ref"
"@
    $parts = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $measure)[-1]) -split ';' | ForEach-Object { [double]$_ }
    New-BenchResult -Scenario 'Invoke-MsgcodeTask -Worktree' -Metric '10,000-file repository: worktree + shell edit + patch (median of 5)' -Value $parts[0] -Unit 'ms' -Reference $parts[1] `
        -ReferenceName 'git worktree add + the same edit + git add -A + git diff --binary' -Target '<= 1.5x' -Met ($parts[0] / $parts[1] -le 1.5)
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
}

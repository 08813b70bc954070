#Requires -Version 7.4
# Worktree isolation with real git repositories: a task runs in its own worktree, the main tree is never touched,
# the patch applies, removal leaves nothing behind, base drift is reported, and every bad input has its ErrorId.

BeforeDiscovery {
    # Worktree isolation drives the git command line; where git is not installed these suites are skipped
    # (GitNotFound itself is asserted by putting a PATH without git in front).
    $script:HasGit = [bool](Get-Command git -CommandType Application -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:SavedGit = @{}
    foreach ($name in 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM') {
        $script:SavedGit[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $env:GIT_AUTHOR_NAME = 'msgcode test'; $env:GIT_AUTHOR_EMAIL = 'test@example.com'
    $env:GIT_COMMITTER_NAME = 'msgcode test'; $env:GIT_COMMITTER_EMAIL = 'test@example.com'
    $env:GIT_CONFIG_GLOBAL = Join-Path $TestDrive 'gitconfig-global'
    $env:GIT_CONFIG_NOSYSTEM = '1'
    Set-Content -Path $env:GIT_CONFIG_GLOBAL -Value "[init]`n`tdefaultBranch = main`n[core]`n`tautocrlf = false"

    function script:git { & (Get-Command git -CommandType Application | Select-Object -First 1) @args; if ($LASTEXITCODE -ne 0) { throw "git $args failed ($LASTEXITCODE)" } }

    function script:New-Repo {
        # A workspace that is a git repository with text files, a binary file and a first commit.
        param([switch] $NoCommit)
        $ws = New-TestWorkspace
        git -C $ws init -q
        if ($NoCommit) { return $ws }
        Set-Content -Path (Join-Path $ws 'a.txt') -Value "alpha`nbeta`ngamma`ndelta`nepsilon" -NoNewline
        Set-Content -Path (Join-Path $ws 'b.txt') -Value "remove me`n" -NoNewline
        Set-Content -Path (Join-Path $ws 'c.txt') -Value "rename me: a file long enough to be recognised as a rename`nline 2`nline 3`n" -NoNewline
        Set-Content -Path (Join-Path $ws 'other.txt') -Value "untouched`n" -NoNewline
        [IO.File]::WriteAllBytes((Join-Path $ws 'old.bin'), [byte[]](0, 1, 2, 3, 254, 255, 0, 7))
        Set-Content -Path (Join-Path $ws 'run.sh') -Value "echo hi`n" -NoNewline
        git -C $ws add -A
        git -C $ws commit -q -m 'first'
        return $ws
    }

    function script:Get-Porcelain([string] $Path) {
        # Byte for byte: the raw output of git status --porcelain (the tasks/ folder shows as one untracked entry).
        $info = [Diagnostics.ProcessStartInfo]::new('git')
        foreach ($a in '-C', $Path, 'status', '--porcelain') { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.UseShellExecute = $false
        $p = [Diagnostics.Process]::Start($info)
        $out = [IO.MemoryStream]::new()
        $p.StandardOutput.BaseStream.CopyTo($out)
        $p.WaitForExit()
        [Convert]::ToBase64String($out.ToArray())
    }

    function script:Get-ContentMap([string] $Path, [string[]] $Skip) {
        # path -> sha256 of every file, with the folders and files given skipped.
        $map = [ordered]@{}
        Get-ChildItem -LiteralPath $Path -Recurse -File -Force | ForEach-Object {
            $relative = [IO.Path]::GetRelativePath($Path, $_.FullName).Replace('\', '/')
            if ($relative -eq '.git' -or $relative.StartsWith('.git/')) { return }
            foreach ($s in $Skip) { if ($relative -eq $s -or $relative.StartsWith("$s/")) { return } }
            $map[$relative] = (Get-FileHash -LiteralPath $_.FullName).Hash
        }
        $sorted = [ordered]@{}
        foreach ($k in @($map.Keys | Sort-Object -CaseSensitive)) { $sorted[$k] = $map[$k] }
        return ($sorted | ConvertTo-Json -Compress)
    }

    # The edits a task makes: modify, add (a binary, a name with a space and non-ASCII), delete, rename, make
    # executable, commit part of it, leave the rest uncommitted.
    $script:EditScript = @'
printf 'alpha\nBETA\ngamma\ndelta\nepsilon' > a.txt
rm b.txt
git mv c.txt "renamed c.txt"
printf '\000\001\002\377\376binary' > new.bin
printf 'caf\303\251\n' > "$(printf 'caf\303\251 menu.txt')"
chmod +x run.sh
printf '\011\011\011' >> old.bin
git add -A && git commit -q -m 'runner commit'
printf 'uncommitted line\n' >> other2.txt
echo done
'@
}

AfterAll {
    foreach ($name in $script:SavedGit.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedGit[$name]) }
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Invoke-MsgcodeTask -Worktree' -Skip:(-not $script:HasGit) {
    BeforeEach {
        $null = New-TestHome
    }

    It 'runs the task in its own worktree, leaves the main tree byte for byte as it was, and writes a patch that applies' {
        $ws = New-Repo
        Set-Content -Path (Join-Path $ws '.env') -Value 'TOKEN=local-only-secret'
        Set-Content -Path (Join-Path $ws 'a.txt') -Value 'a local edit in the main tree' -NoNewline   # dirty main tree: allowed
        $task = New-MsgcodeTask -Title 'Edit files' -Prompt ($script:EditScript + "`ncat .env") -Runner shell -Workspace $ws
        $before = Get-Porcelain $ws

        $run = $task | Invoke-MsgcodeTask -Worktree
        $run.Status | Should -Be 'succeeded'
        Get-Porcelain $ws | Should -Be $before
        (Get-Content -Raw (Join-Path $ws 'a.txt')) | Should -Be 'a local edit in the main tree'

        $wt = Join-Path $ws 'worktrees' $task.Id
        Test-Path (Join-Path $wt '.git') | Should -BeTrue
        (git -C $wt rev-parse --abbrev-ref HEAD) | Should -Be "msgcode/$($task.Id)"
        Get-Content (Join-Path $wt '.env') | Should -Be 'TOKEN=local-only-secret'   # copied in
        Get-Content (Join-Path $ws '.git' 'info' 'exclude') | Should -Contain '/worktrees/'
        Get-ChildItem (Join-Path $ws '.git') -Recurse -Filter '*.lock' | Should -BeNullOrEmpty   # no lock file left where git would read it as its own

        $patch = Get-MsgcodePatch $task.Id -Workspace $ws -Content
        $patch.BaseCommit | Should -Be (git -C $ws rev-parse HEAD)
        $patch.Content | Should -Match 'GIT binary patch'
        $patch.Content | Should -Not -Match 'local-only-secret'
        $patch.Content | Should -Not -Match '\.env'
        $files = @{}; foreach ($f in $patch.Files) { $files[$f.Path] = $f }
        $files['a.txt'].Change | Should -Be 'modified'
        $files['b.txt'].Change | Should -Be 'deleted'
        $files['renamed c.txt'].Change | Should -Be 'renamed'
        $files['renamed c.txt'].OldPath | Should -Be 'c.txt'
        $files['new.bin'].Binary | Should -BeTrue
        $files['new.bin'].Change | Should -Be 'added'
        $files['café menu.txt'].Change | Should -Be 'added'
        $files['other2.txt'].Change | Should -Be 'added'     # uncommitted changes are captured too
        $files.Keys | Should -Contain 'run.sh'                # mode change
        $patch.Content | Should -Match 'new mode 100755'

        $json = Get-Content -Raw (Join-Path $ws 'tasks' "$($task.Id).json") | ConvertFrom-Json
        @($json.outputs.patches) | Should -HaveCount 2
        $json.outputs.patches[0] | Should -BeLike 'tasks/artifacts/*/patch.diff'
        $json.outputs.patches[1] | Should -BeLike 'tasks/artifacts/*/summary.md'
        $json.worktree.baseCommit | Should -Be $patch.BaseCommit
        $ledger = Get-Content (Join-Path $ws 'tasks' 'runs.jsonl') | ConvertFrom-Json | Where-Object event -EQ 'finished'
        $ledger.patch | Should -Be $json.outputs.patches[0]
        $ledger.baseCommit | Should -Be $patch.BaseCommit
        $summary = Get-Content -Raw $patch.SummaryPath
        $summary | Should -Match ([regex]::Escape($patch.BaseCommit))
        $summary | Should -Match 'not included'   # the main tree's local change
        $summary | Should -Match 'renamed'

        # git apply --check against the base, in a clean clone of it
        $clone = Join-Path $TestDrive ('clone-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        git clone -q $ws $clone
        git -C $clone apply --check $patch.Path
    }

    It "keeps secret settings' values out of summary.md, and copies .env with its owner-only mode" {
        $ws = New-Repo
        Set-Content -Path (Join-Path $ws '.env') -Value 'TOKEN=x'
        if ($IsLinux -or $IsMacOS) { & chmod 600 (Join-Path $ws '.env') }
        Set-MsgcodeConfig lmstudio.apiKey 'sk-worktree-secret-4711'
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt; echo the key is sk-worktree-secret-4711' -Runner shell -Workspace $ws
        ($task | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
        $summary = Get-Content -Raw (Get-MsgcodePatch $task.Id -Workspace $ws).SummaryPath
        $summary | Should -Not -Match 'sk-worktree-secret-4711'
        $summary | Should -Match ([regex]::Escape('the key is ********'))
        if ($IsLinux -or $IsMacOS) {
            (Get-Item -Force (Join-Path $ws 'worktrees' $task.Id '.env')).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        }
    }

    It 'makes the main tree equal to the worktree when the patch is merged, to the working tree or as a commit' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 'Edit files' -Prompt $script:EditScript -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        $wt = Join-Path $ws 'worktrees' $task.Id
        Test-MsgcodePatch $task.Id -Workspace $ws | Should -BeTrue

        Merge-MsgcodePatch $task.Id -Workspace $ws -Confirm:$false | Select-Object -ExpandProperty Mode | Should -Be 'workingTree'
        Get-ContentMap $ws @('tasks', 'worktrees') | Should -Be (Get-ContentMap $wt @())
        (Get-Item (Join-Path $ws 'run.sh')).UnixFileMode.HasFlag([IO.UnixFileMode]::UserExecute) | Should -BeTrue

        # The same again as a commit, from a second repository in the same state.
        $ws2 = New-Repo
        $task2 = New-MsgcodeTask -Title 'Edit files' -Prompt $script:EditScript -Runner shell -Workspace $ws2
        $null = $task2 | Invoke-MsgcodeTask -Worktree
        Set-Content -Path (Join-Path $ws2 'notes.txt') -Value 'my own untracked work'
        $head = git -C $ws2 rev-parse HEAD
        $result = Merge-MsgcodePatch $task2.Id -Workspace $ws2 -Commit -Confirm:$false
        $result.Commit | Should -Be (git -C $ws2 rev-parse HEAD)
        (git -C $ws2 rev-parse HEAD~1) | Should -Be $head
        (git -C $ws2 log -1 --format=%s) | Should -Be 'Edit files'
        Get-ContentMap $ws2 @('tasks', 'worktrees', 'notes.txt') | Should -Be (Get-ContentMap (Join-Path $ws2 'worktrees' $task2.Id) @())
        git -C $ws2 status --porcelain | Should -Be @('?? notes.txt', '?? tasks/')
    }

    It 'removes a worktree in one command: no folder, no branch, no record in git worktree list' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        (Get-MsgcodeWorktree -Workspace $ws).State | Should -Be 'active'
        Remove-MsgcodeWorktree $task.Id -Workspace $ws -Confirm:$false
        Test-Path (Join-Path $ws 'worktrees' $task.Id) | Should -BeFalse
        git -C $ws branch --list "msgcode/*" | Should -BeNullOrEmpty
        git -C $ws worktree list --porcelain | Where-Object { $_ -like 'worktree *' } | Should -HaveCount 1
        (Get-Content -Raw (Join-Path $ws 'tasks' "$($task.Id).json") | ConvertFrom-Json).worktree | Should -BeNullOrEmpty
        Get-MsgcodePatch $task.Id -Workspace $ws | Should -Not -BeNullOrEmpty   # the patch outlives its worktree
        $null = Remove-MsgcodeWorktree $task.Id -Workspace $ws -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeNotFound,*'
    }

    It 'refuses to remove a worktree holding changes no patch captured, unless -Force' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        $wt = Join-Path $ws 'worktrees' $task.Id
        (Get-MsgcodeWorktree $task.Id -Workspace $ws).HasUncapturedChanges | Should -BeFalse
        Set-Content (Join-Path $wt 'later.txt') 'edited by hand after the run'
        (Get-MsgcodeWorktree $task.Id -Workspace $ws).HasUncapturedChanges | Should -BeTrue
        Remove-MsgcodeWorktree $task.Id -Workspace $ws -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeHasUncapturedChanges,*'
        Test-Path (Join-Path $wt 'later.txt') | Should -BeTrue
        Remove-MsgcodeWorktree $task.Id -Workspace $ws -Force -Confirm:$false
        Test-Path $wt | Should -BeFalse
    }

    It 'reuses the worktree on the same base, refuses a stale base, and starts over with -Fresh' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo run >> log.txt' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        $null = Invoke-MsgcodeTask $task.Id -Workspace $ws -Worktree -Force
        (Get-MsgcodePatch $task.Id -Workspace $ws -Content).Content | Should -Match '\+run\s+\+run'   # reused: two lines

        Set-Content (Join-Path $ws 'other.txt') 'moved on'; git -C $ws commit -q -am 'main moves'
        $null = Invoke-MsgcodeTask $task.Id -Workspace $ws -Worktree -Force -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeBaseStale,*'
        $run = Invoke-MsgcodeTask $task.Id -Workspace $ws -Worktree -Fresh -Force
        $run.Status | Should -Be 'succeeded'
        $patch = Get-MsgcodePatch $task.Id -Workspace $ws -Content
        $patch.BaseCommit | Should -Be (git -C $ws rev-parse HEAD)
        $patch.Content | Should -Not -Match '\+run\s+\+run'
    }

    It 'reports base drift: a conflict when main changed the same lines, a clean apply when it changed other files' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt $script:EditScript -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree

        Set-Content (Join-Path $ws 'other.txt') 'main edits another file'; git -C $ws commit -q -am 'other file'
        $check = Test-MsgcodePatch $task.Id -Workspace $ws -Detailed
        $check.BaseDrift | Should -BeTrue
        $check.CommitsSinceBase | Should -Be 1
        $check.AppliesCleanly | Should -BeTrue
        $check.Conflicts | Should -BeNullOrEmpty

        Set-Content (Join-Path $ws 'a.txt') "alpha`nbeta changed on main`ngamma`ndelta`nepsilon" -NoNewline; git -C $ws commit -q -am 'same lines'
        $before = Get-Porcelain $ws
        $check = Test-MsgcodePatch $task.Id -Workspace $ws -Detailed
        $check.AppliesCleanly | Should -BeFalse
        $check.CommitsSinceBase | Should -Be 2
        $check.Conflicts | Should -Contain 'a.txt'
        Test-MsgcodePatch $task.Id -Workspace $ws | Should -BeFalse
        Merge-MsgcodePatch $task.Id -Workspace $ws -Commit -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PatchConflict,*'
        Get-Porcelain $ws | Should -Be $before
    }

    It 'refuses to merge over uncommitted local changes that the patch touches, and changes nothing' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt $script:EditScript -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        Set-Content (Join-Path $ws 'a.txt') 'precious local work' -NoNewline
        $before = Get-Porcelain $ws
        (Test-MsgcodePatch $task.Id -Workspace $ws -Detailed).LocalChangesTouched | Should -Be @('a.txt')
        Merge-MsgcodePatch $task.Id -Workspace $ws -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PatchTouchesLocalChanges,*'
        Get-Content -Raw (Join-Path $ws 'a.txt') | Should -Be 'precious local work'
        Get-Porcelain $ws | Should -Be $before
    }

    It 'runs attempts with several runners side by side in one pipeline (-ThrottleLimit), each in its own worktree and branch' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 'both' -Runner shell -Workspace $ws -Prompt 'echo attempt > out.txt; sleep 2'
        $runs = $task | Invoke-MsgcodeTask -Worktree -Runner shell, pwsh -ThrottleLimit 4
        $runs.Count | Should -Be 2
        $runs.Status | Sort-Object -Unique | Should -Be 'succeeded'
        $latestStart = ($runs.StartedAt | Measure-Object -Maximum).Maximum
        $earliestEnd = ($runs | ForEach-Object { $_.StartedAt.AddSeconds($_.DurationSeconds) } | Measure-Object -Minimum).Minimum
        $latestStart | Should -BeLessThan $earliestEnd -Because 'the two attempts ran at the same time'
        $attempts = Get-MsgcodeTask -Workspace $ws | Where-Object Title -Like 'both (attempt *'
        ($attempts.Runner | Sort-Object) | Should -Be @('pwsh', 'shell')
        foreach ($a in $attempts) {
            (git -C (Join-Path $ws 'worktrees' $a.Id) rev-parse --abbrev-ref HEAD) | Should -Be "msgcode/$($a.Id)"
            (Get-MsgcodePatch $a.Id -Workspace $ws).Files.Path | Should -Be @('out.txt')
        }
        (Compare-MsgcodePatch $task.Id -Workspace $ws).Runner | Sort-Object | Should -Be @('pwsh', 'shell')
        (Get-MsgcodePatch $task.Id -Attempt 2 -Workspace $ws).TaskId | Should -Be ($attempts | Where-Object Title -Like '*attempt 2*').Id
        (Test-MsgcodePatch $task.Id -Attempt 1 -Workspace $ws) | Should -BeTrue
        (Get-MsgcodeWorktree $task.Id -Workspace $ws).TaskId | Sort-Object | Should -Be ($attempts.Id | Sort-Object) -Because "a task's worktrees are its attempts'"

        # Removing the task's worktrees while an attempt runs is refused, and removes none.
        $runner = Start-ThreadJob -ArgumentList (Get-TestModulePath), $ws, $task.Id -ScriptBlock { param($m, $ws, $id) Import-Module $m; Invoke-MsgcodeTask $id -Workspace $ws -Worktree -Attempts 1 }
        try {
            Wait-Until { @(Get-MsgcodeTask -Workspace $ws -Status running).Count -gt 0 } -TimeoutSec 20 | Should -BeTrue
            Remove-MsgcodeWorktree $task.Id -Workspace $ws -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskAlreadyRunning,*'
            @(Get-MsgcodeWorktree $task.Id -Workspace $ws).Count | Should -BeGreaterOrEqual 2
        }
        finally { $null = $runner | Wait-Job -Timeout 60 | Receive-Job; $runner | Remove-Job -Force }
        $removed = Remove-MsgcodeWorktree $task.Id -Workspace $ws -Confirm:$false -PassThru
        $removed.Count | Should -Be 3
        Get-MsgcodeWorktree -Workspace $ws | Should -BeNullOrEmpty
    }

    It 'runs the verify command in each worktree after its runner and records Verified, VerifyFailed or a timeout on the patch' {
        $ws = New-Repo
        Set-MsgcodeConfig -Name worktree.verify -Value 'test -f ok.txt && echo verify-passed' -Workspace $ws
        $good = New-MsgcodeTask -Title 'good' -Prompt 'echo ok > ok.txt' -Runner shell -Workspace $ws
        $bad = New-MsgcodeTask -Title 'bad' -Prompt 'echo nope > nope.txt' -Runner shell -Workspace $ws
        ($good, $bad | Invoke-MsgcodeTask -Worktree).Status | Should -Be @('succeeded', 'succeeded')
        $passed = Get-MsgcodePatch $good.Id -Workspace $ws
        $passed.VerifyStatus | Should -Be 'Verified'
        $passed.Verification.ExitCode | Should -Be 0
        Get-Content $passed.Verification.Log | Should -Be 'verify-passed'
        $passed.Files.Path | Should -Be @('ok.txt') -Because 'the verify command runs after the patch is captured'
        $failed = Get-MsgcodePatch $bad.Id -Workspace $ws
        $failed.VerifyStatus | Should -Be 'VerifyFailed'
        $failed.Verification.ExitCode | Should -Be 1

        # A verify command that hangs is stopped at its timeout, with its children, and recorded.
        Set-MsgcodeConfig -Name worktree.verify -Value "sleep 60 & echo `$! > '$TestDrive/verify-child.pid'; wait" -Workspace $ws
        Set-MsgcodeConfig -Name worktree.verifyTimeoutSec -Value 1 -Workspace $ws
        $hang = New-MsgcodeTask -Title 'hang' -Prompt 'echo ok > ok.txt' -Runner shell -Workspace $ws
        $clock = [Diagnostics.Stopwatch]::StartNew()
        ($hang | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
        $timedOut = Get-MsgcodePatch $hang.Id -Workspace $ws
        $timedOut.VerifyStatus | Should -Be 'VerifyFailed'
        $timedOut.Verification.TimedOut | Should -BeTrue
        $child = [int](Get-Content "$TestDrive/verify-child.pid")
        Wait-Until { Test-ProcessGone $child } -TimeoutSec 10 | Should -BeTrue -Because 'the hung command is stopped with its children'

        # Without a verify command a patch is NotVerified.
        Reset-MsgcodeConfig -Name worktree.verify -Workspace $ws
        $plain = New-MsgcodeTask -Title 'plain' -Prompt 'echo ok > ok.txt' -Runner shell -Workspace $ws
        $null = $plain | Invoke-MsgcodeTask -Worktree
        (Get-MsgcodePatch $plain.Id -Workspace $ws).VerifyStatus | Should -Be 'NotVerified'
    }

    It 'undoes a merged patch in one step: a revert commit restores the tree byte for byte, a working-tree merge is taken out again' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 'Edit files' -Prompt $script:EditScript -Runner shell -Workspace $ws
        ($task | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
        $tree = git -C $ws rev-parse 'HEAD^{tree}'
        $before = Get-Porcelain $ws
        Undo-MsgcodePatch $task.Id -Workspace $ws -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PatchNotMerged,*'

        $merged = Merge-MsgcodePatch $task.Id -Workspace $ws -Commit -Confirm:$false
        (git -C $ws rev-parse 'HEAD^{tree}') | Should -Not -Be $tree
        $undo = Undo-MsgcodePatch $task.Id -Workspace $ws -Confirm:$false
        $undo.RevertedCommit | Should -Be $merged.Commit
        (git -C $ws rev-parse HEAD) | Should -Be $undo.Commit
        (git -C $ws rev-parse 'HEAD^{tree}') | Should -Be $tree -Because 'the branch has its tree from before the merge again'
        Get-Porcelain $ws | Should -Be $before
        Undo-MsgcodePatch $task.Id -Workspace $ws -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PatchNotMerged,*' -Because 'that merge is undone already'

        # Into the working tree, with an edit of the user's beside it: the patch comes out, the edit stays.
        $null = Merge-MsgcodePatch $task.Id -Workspace $ws -Confirm:$false
        Add-Content -Path (Join-Path $ws 'other.txt') -Value 'my own edit'
        $null = Undo-MsgcodePatch $task.Id -Workspace $ws -Confirm:$false
        (git -C $ws rev-parse 'HEAD^{tree}') | Should -Be $tree
        git -C $ws status --porcelain --untracked-files=no | Should -Be ' M other.txt'
        git -C $ws checkout -q -- other.txt
        Get-Porcelain $ws | Should -Be $before

        # A later commit changed the same lines: refused, nothing changed.
        $merged = Merge-MsgcodePatch $task.Id -Workspace $ws -Commit -Confirm:$false
        Set-Content -Path (Join-Path $ws 'a.txt') -Value "alpha`nBETA, edited later`ngamma`ndelta`nepsilon" -NoNewline
        git -C $ws commit -q -am 'later work on the same lines'
        $head = git -C $ws rev-parse HEAD
        Undo-MsgcodePatch $task.Id -Workspace $ws -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PatchUndoConflict,*'
        (git -C $ws rev-parse HEAD) | Should -Be $head
        git -C $ws status --porcelain --untracked-files=no | Should -BeNullOrEmpty
    }

    Context 'a patch that writes over files git does not track in the main tree' {
        BeforeAll {
            function script:Get-TreeState([string] $Path) {
                # Everything a refused merge must leave alone: HEAD, git status (ignored files included) and every file's bytes.
                [pscustomobject]@{
                    Head    = git -C $Path rev-parse HEAD
                    Status  = Get-Porcelain $Path
                    Ignored = (git -C $Path status --porcelain --ignored) -join "`n"
                    Content = Get-ContentMap $Path @('tasks', 'worktrees')
                }
            }

            function script:Assert-MergeRefused([string] $Workspace, [string] $TaskId, [string[]] $Expected, [hashtable] $UserFiles) {
                # Test-MsgcodePatch names the files and says no; both merge modes refuse with PatchTouchesLocalChanges and change nothing.
                $check = Test-MsgcodePatch $TaskId -Workspace $Workspace -Detailed
                $check.UntrackedFilesTouched | Should -Be $Expected
                $check.LocalChangesTouched | Should -Be $Expected
                Test-MsgcodePatch $TaskId -Workspace $Workspace | Should -BeFalse
                $before = Get-TreeState $Workspace
                foreach ($commit in $true, $false) {
                    $e = $null
                    $result = Merge-MsgcodePatch $TaskId -Workspace $Workspace -Commit:$commit -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
                    $result | Should -BeNullOrEmpty
                    $e[0].FullyQualifiedErrorId | Should -BeLike 'PatchTouchesLocalChanges,*' -Because "-Commit:$commit"
                    foreach ($name in $UserFiles.Keys) {
                        [IO.File]::ReadAllBytes((Join-Path $Workspace $name)) | Should -Be $UserFiles[$name] -Because "$name is the user's (-Commit:$commit)"
                    }
                    $after = Get-TreeState $Workspace
                    $after.Head | Should -Be $before.Head
                    $after.Status | Should -Be $before.Status
                    $after.Ignored | Should -Be $before.Ignored
                    $after.Content | Should -Be $before.Content
                }
            }

            function script:New-IgnoringRepo {
                # A repository whose .gitignore keeps the user's local.cfg and build/ out of git, with both present in the main tree.
                $ws = New-Repo
                Set-Content -Path (Join-Path $ws '.gitignore') -Value "local.cfg`nbuild/`n" -NoNewline
                git -C $ws add .gitignore
                git -C $ws commit -q -m 'ignore local settings'
                [IO.File]::WriteAllBytes((Join-Path $ws 'local.cfg'), $script:UserCfg)
                New-Item -ItemType Directory -Path (Join-Path $ws 'build') | Out-Null
                [IO.File]::WriteAllBytes((Join-Path $ws 'build' 'out.bin'), $script:UserBin)
                return $ws
            }

            $script:UserCfg = [byte[]](0x75, 0x73, 0x65, 0x72, 0x3d, 0x6d, 0x65, 0x0a, 0xc3, 0xa9, 0x00, 0xff, 0x0d, 0x0a)
            $script:UserBin = [byte[]](0, 1, 2, 3, 254, 255)
        }

        It 'refuses to write over ignored files when the runner emptied .gitignore (to the working tree and with -Commit), and changes nothing' {
            $ws = New-IgnoringRepo
            $task = New-MsgcodeTask -Title 't' -Prompt ": > .gitignore; printf 'runner settings\n' > local.cfg; mkdir -p build; printf 'runner build\n' > build/out.bin; printf 'x\n' > x.txt" -Runner shell -Workspace $ws
            ($task | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
            (Get-MsgcodePatch $task.Id -Workspace $ws).Files.Path | Sort-Object -CaseSensitive | Should -Be @('.gitignore', 'build/out.bin', 'local.cfg', 'x.txt')
            (Test-MsgcodePatch $task.Id -Workspace $ws -Detailed).AppliesCleanly | Should -BeTrue   # to HEAD: the refusal is about the working tree
            Assert-MergeRefused $ws $task.Id @('build/out.bin', 'local.cfg') @{ 'local.cfg' = $script:UserCfg; 'build/out.bin' = $script:UserBin }
            Test-Path (Join-Path $ws 'x.txt') | Should -BeFalse   # nothing half-applied
            Get-Content -Raw (Join-Path $ws '.gitignore') | Should -Be "local.cfg`nbuild/`n"
        }

        It 'refuses to write over an ignored file that the runner added with git add -f, and merges once it is moved away' {
            $ws = New-IgnoringRepo
            Set-Content -Path (Join-Path $ws 'debug.log') -Value 'another ignored file'
            Add-Content -Path (Join-Path $ws '.git' 'info' 'exclude') -Value 'debug.log'
            $task = New-MsgcodeTask -Title 't' -Prompt "printf 'runner settings\n' > local.cfg; git add -f local.cfg; git commit -q -m cfg; printf 'y\n' > y.txt" -Runner shell -Workspace $ws
            ($task | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
            (Get-MsgcodePatch $task.Id -Workspace $ws).Files.Path | Sort-Object -CaseSensitive | Should -Be @('local.cfg', 'y.txt')
            Assert-MergeRefused $ws $task.Id @('local.cfg') @{ 'local.cfg' = $script:UserCfg }
            Test-Path (Join-Path $ws 'y.txt') | Should -BeFalse

            # The refusal is about local.cfg alone: moved out of the way, the patch merges, and other ignored files stay as they are.
            Move-Item (Join-Path $ws 'local.cfg') (Join-Path $TestDrive "local-$($task.Id).cfg")
            Test-MsgcodePatch $task.Id -Workspace $ws | Should -BeTrue
            (Merge-MsgcodePatch $task.Id -Workspace $ws -Commit -Confirm:$false).Commit | Should -Be (git -C $ws rev-parse HEAD)
            Get-Content (Join-Path $ws 'local.cfg') | Should -Be 'runner settings'
            Get-Content (Join-Path $ws 'debug.log') | Should -Be 'another ignored file'
            [IO.File]::ReadAllBytes((Join-Path $ws 'build' 'out.bin')) | Should -Be $script:UserBin
        }

        It 'refuses to write over an untracked file, or through an untracked link where the patch needs a folder, in both modes' {
            $ws = New-Repo
            Set-Content -Path (Join-Path $ws 'notes.txt') -Value 'my own untracked notes' -NoNewline
            $expected = @('notes.txt')
            $user = @{ 'notes.txt' = [Text.Encoding]::UTF8.GetBytes('my own untracked notes') }
            $outside = Join-Path $TestDrive ('outside-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
            New-Item -ItemType Directory -Path $outside | Out-Null
            Set-Content -Path (Join-Path $outside 'x.txt') -Value 'outside the repository' -NoNewline
            if (-not $IsWindows) {
                New-Item -ItemType SymbolicLink -Path (Join-Path $ws 'data') -Target $outside | Out-Null
                $expected = @('data', 'notes.txt')
            }
            $task = New-MsgcodeTask -Title 't' -Prompt "printf 'runner notes\n' > notes.txt; mkdir -p data; printf 'runner data\n' > data/x.txt; printf 'z\n' > z.txt" -Runner shell -Workspace $ws
            ($task | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
            (Get-MsgcodePatch $task.Id -Workspace $ws).Files.Path | Sort-Object -CaseSensitive | Should -Be @('data/x.txt', 'notes.txt', 'z.txt')
            Assert-MergeRefused $ws $task.Id $expected $user
            Get-Content -Raw (Join-Path $outside 'x.txt') | Should -Be 'outside the repository'
            Test-Path (Join-Path $ws 'z.txt') | Should -BeFalse
        }
    }

    It 'asks before merging (ConfirmImpact High) and changes nothing on -WhatIf' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        (Get-Command Merge-MsgcodePatch).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
        Merge-MsgcodePatch $task.Id -Workspace $ws -WhatIf
        Test-Path (Join-Path $ws 'x.txt') | Should -BeFalse
    }
}

Describe 'Worktree bad input' -Skip:(-not $script:HasGit) {
    BeforeEach {
        $null = New-TestHome
    }

    It 'refuses a workspace that is not a git repository (WorktreeRepositoryNotFound) and records no run' {
        $ws = New-TestWorkspace
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeRepositoryNotFound,*'
        (Get-MsgcodeTask $task.Id -Workspace $ws).Status | Should -Be 'open'
        Test-Path (Join-Path $ws 'tasks' 'runs.jsonl') | Should -BeFalse
        Test-Path (Join-Path $ws 'worktrees') | Should -BeFalse
        $null = Get-MsgcodeWorktree -Workspace $ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeRepositoryNotFound,*'
    }

    It 'finds the repository at worktree.repository inside the workspace' {
        $ws = New-TestWorkspace
        $repo = New-Repo
        Move-Item $repo (Join-Path $ws 'src')
        Set-MsgcodeConfig worktree.repository src -Workspace $ws
        $before = Get-Porcelain (Join-Path $ws 'src')
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        ($task | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
        Get-Porcelain (Join-Path $ws 'src') | Should -Be $before
        (Get-MsgcodePatch $task.Id -Workspace $ws).Files.Path | Should -Be @('x.txt')
    }

    It 'refuses a repository with no commits (WorktreeRepositoryEmpty)' {
        $ws = New-Repo -NoCommit
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x' -Runner shell -Workspace $ws
        $before = Get-Porcelain $ws
        $null = $task | Invoke-MsgcodeTask -Worktree -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeRepositoryEmpty,*'
        Get-Porcelain $ws | Should -Be $before
    }

    It 'refuses a repository with a submodule (WorktreeSubmoduleUnsupported) and breaks nothing' {
        $ws = New-Repo
        $inner = New-Repo
        git -C $ws -c protocol.file.allow=always submodule add -q $inner sub
        git -C $ws commit -q -m 'add submodule'
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x' -Runner shell -Workspace $ws
        $before = Get-Porcelain $ws
        $null = $task | Invoke-MsgcodeTask -Worktree -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeSubmoduleUnsupported,*'
        Get-Porcelain $ws | Should -Be $before
        Test-Path (Join-Path $ws 'worktrees') | Should -BeFalse
    }

    It 'runs from a detached HEAD, and refuses to commit the patch there (WorktreeHeadDetached)' {
        $ws = New-Repo
        git -C $ws checkout -q --detach HEAD
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        ($task | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
        (Get-Content -Raw (Get-MsgcodePatch $task.Id -Workspace $ws).SummaryPath) | Should -Match 'detached HEAD'
        $before = Get-Porcelain $ws
        Merge-MsgcodePatch $task.Id -Workspace $ws -Commit -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeHeadDetached,*'
        Get-Porcelain $ws | Should -Be $before
    }

    It 'refuses a worktree folder that exists but is not a worktree (WorktreePathOccupied), and leaves it alone' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        $folder = Join-Path $ws 'worktrees' $task.Id
        New-Item -ItemType Directory -Path $folder | Out-Null
        Set-Content (Join-Path $folder 'mine.txt') 'not yours'
        $null = $task | Invoke-MsgcodeTask -Worktree -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreePathOccupied,*'
        Get-Content (Join-Path $folder 'mine.txt') | Should -Be 'not yours'
        (Get-MsgcodeWorktree $task.Id -Workspace $ws).State | Should -Be 'not-a-worktree'
    }

    It 'refuses a leftover branch with commits of its own (WorktreeBranchExists) unless -Fresh' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        git -C $ws branch "msgcode/$($task.Id)"
        git -C $ws checkout -q "msgcode/$($task.Id)"
        git -C $ws commit -q --allow-empty -m 'someone else'
        git -C $ws checkout -q main
        $null = $task | Invoke-MsgcodeTask -Worktree -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeBranchExists,*'
        ($task | Invoke-MsgcodeTask -Worktree -Fresh).Status | Should -Be 'succeeded'
    }

    It 'records WorktreeLost when the runner deletes its whole worktree, and the main tree is untouched' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'cd .. && rm -rf "$OLDPWD"' -Runner shell -Workspace $ws
        $before = Get-Porcelain $ws
        $run = $task | Invoke-MsgcodeTask -Worktree -ErrorAction SilentlyContinue
        $run.Status | Should -Be 'failed'
        $run.ErrorCode | Should -Be 'WorktreeLost'
        Get-Porcelain $ws | Should -Be $before
        (Get-MsgcodeWorktree $task.Id -Workspace $ws).State | Should -Be 'prunable'
        $items = Clear-MsgcodeWorktree -Workspace $ws -Confirm:$false
        $items.Action | Should -Contain 'removed'
        git -C $ws worktree list --porcelain | Where-Object { $_ -like 'worktree *' } | Should -HaveCount 1
        Get-MsgcodeWorktree -Workspace $ws | Should -BeNullOrEmpty
    }

    It 'refuses a second run of the same task while the first runs (TaskAlreadyRunning); the first is unharmed' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 'slow' -Prompt 'sleep 3; echo slow > slow.txt' -Runner shell -Workspace $ws
        $pwsh = Get-TestPwsh
        $script = Join-Path $TestDrive 'first-run.ps1'
        Set-Content $script "Import-Module '$(Get-TestModulePath)'; `$r = Invoke-MsgcodeTask $($task.Id) -Workspace '$ws' -Worktree; `$r.Status | Set-Content '$ws.first'"
        $first = Start-Process -FilePath $pwsh[0] -ArgumentList (@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script)) -PassThru
        try {
            Wait-Until { (Get-MsgcodeTask $task.Id -Workspace $ws).Status -eq 'running' -and (Test-Path (Join-Path $ws 'worktrees' $task.Id '.git')) } -TimeoutSec 30 | Should -BeTrue
            $null = Invoke-MsgcodeTask $task.Id -Workspace $ws -Worktree -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskAlreadyRunning,*'
            Remove-MsgcodeWorktree $task.Id -Workspace $ws -Force -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskAlreadyRunning,*'
            Test-Path (Join-Path $ws 'worktrees' $task.Id '.git') | Should -BeTrue
            $first.WaitForExit(60000) | Should -BeTrue
        }
        finally { if (-not $first.HasExited) { $first.Kill($true) } }
        Get-Content "$ws.first" | Should -Be 'succeeded'
        (Get-MsgcodePatch $task.Id -Workspace $ws).Files.Path | Should -Be @('slow.txt')
    }

    It 'says GitNotFound when git is not on PATH' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x' -Runner shell -Workspace $ws
        $savedPath = $env:PATH
        $env:PATH = Join-Path $TestDrive 'no-git-here'
        try { $null = $task | Invoke-MsgcodeTask -Worktree -ErrorVariable e -ErrorAction SilentlyContinue }
        finally { $env:PATH = $savedPath }
        $e[0].FullyQualifiedErrorId | Should -BeLike 'GitNotFound,*'
    }

    It 'says PatchNotFound for a task without a patch, and for a patch file that was deleted' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        $null = Get-MsgcodePatch $task.Id -Workspace $ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PatchNotFound,*'
        $null = $task | Invoke-MsgcodeTask -Worktree
        Remove-Item (Get-MsgcodePatch $task.Id -Workspace $ws).Path
        $null = Test-MsgcodePatch $task.Id -Workspace $ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PatchNotFound,*'
    }

    It 'says GitCommandFailed, changing nothing, when git cannot make the commit' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        $head = git -C $ws rev-parse HEAD
        git -C $ws config user.useConfigOnly true
        $saved = @{}; foreach ($n in 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL') { $saved[$n] = [Environment]::GetEnvironmentVariable($n); [Environment]::SetEnvironmentVariable($n, $null) }
        try { Merge-MsgcodePatch $task.Id -Workspace $ws -Commit -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue }
        finally { foreach ($n in $saved.Keys) { [Environment]::SetEnvironmentVariable($n, $saved[$n]) } }
        $e[0].FullyQualifiedErrorId | Should -BeLike 'GitCommandFailed,*'
        git -C $ws rev-parse HEAD | Should -Be $head
        Test-Path (Join-Path $ws 'x.txt') | Should -BeFalse
    }
}

Describe 'Clear-MsgcodeWorktree and the doctor' -Skip:(-not $script:HasGit) {
    BeforeEach {
        $null = New-TestHome
    }

    It 'prunes what is safe and keeps what holds work; the doctor names the cleanup command' {
        $ws = New-Repo
        # 1. an orphan with no work (its task file deleted), 2. an orphan holding work, 3. a half-created empty folder,
        # 4. a folder with files that is not a worktree, 5. a task whose worktree folder was deleted by hand.
        $orphan = New-MsgcodeTask -Title 'orphan' -Prompt 'true' -Runner shell -Workspace $ws
        $keeper = New-MsgcodeTask -Title 'keeper' -Prompt 'echo work > work.txt' -Runner shell -Workspace $ws
        $gone = New-MsgcodeTask -Title 'gone' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        $null = $orphan, $keeper, $gone | Invoke-MsgcodeTask -Worktree
        Remove-Item (Join-Path $ws 'tasks' "$($orphan.Id).json"), (Join-Path $ws 'tasks' "$($orphan.Id).md")
        Remove-Item (Join-Path $ws 'tasks' "$($keeper.Id).json"), (Join-Path $ws 'tasks' "$($keeper.Id).md")
        Remove-Item -Recurse -Force (Join-Path $ws 'worktrees' $gone.Id)
        New-Item -ItemType Directory (Join-Path $ws 'worktrees' 'tsk_halfcreated') | Out-Null
        New-Item -ItemType Directory (Join-Path $ws 'worktrees' 'someone-elses') | Out-Null
        Set-Content (Join-Path $ws 'worktrees' 'someone-elses' 'keep.txt') 'x'

        $checks = Test-MsgcodeDoctor -Detailed -Category worktrees -Workspace $ws
        $checks.Status | Should -Be 'warn'
        $checks.FixHint | Should -Match 'Clear-MsgcodeWorktree'

        $preview = Clear-MsgcodeWorktree -Workspace $ws -WhatIf
        $preview.Action | Should -Not -Contain 'removed'
        Test-Path (Join-Path $ws 'worktrees' 'tsk_halfcreated') | Should -BeTrue

        $items = Clear-MsgcodeWorktree -Workspace $ws -Confirm:$false
        ($items | Where-Object TaskId -EQ $orphan.Id).Action | Should -Be 'removed'
        ($items | Where-Object TaskId -EQ $keeper.Id).Action | Should -Be 'kept'
        ($items | Where-Object TaskId -EQ 'tsk_halfcreated').Action | Should -Be 'removed'
        ($items | Where-Object TaskId -EQ 'someone-elses').Action | Should -Be 'kept'
        ($items | Where-Object TaskId -EQ $gone.Id).Action | Should -Contain 'removed'
        Test-Path (Join-Path $ws 'worktrees' $orphan.Id) | Should -BeFalse
        Test-Path (Join-Path $ws 'worktrees' $keeper.Id 'work.txt') | Should -BeTrue
        Test-Path (Join-Path $ws 'worktrees' 'someone-elses' 'keep.txt') | Should -BeTrue
        Test-Path (Join-Path $ws 'worktrees' 'tsk_halfcreated') | Should -BeFalse
        git -C $ws worktree list --porcelain | Where-Object { $_ -like 'prunable*' } | Should -BeNullOrEmpty
        git -C $ws branch --list "msgcode/$($orphan.Id)" | Should -BeNullOrEmpty
        (Get-Content -Raw (Join-Path $ws 'tasks' "$($gone.Id).json") | ConvertFrom-Json).worktree | Should -BeNullOrEmpty
        @(Get-MsgcodeWorktree -Workspace $ws).State | Sort-Object | Should -Be @('not-a-worktree', 'orphaned')
    }

    It 'passes the doctor when every worktree is live, and skips workspaces without a repository' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        (Test-MsgcodeDoctor -Detailed -Category worktrees -Workspace $ws).Status | Should -Be 'pass'
        (Test-MsgcodeDoctor -Detailed -Category worktrees -Workspace (New-TestWorkspace)).Status | Should -Be 'skip'
    }
}

Describe 'Queued worktree runs through the daemon' -Skip:(-not $IsLinux -or -not $script:HasGit) {
    BeforeEach {
        $null = New-TestHome
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It 'queues a -Worktree run: the daemon runs it in the worktree and the task gets its patch' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 'queued edit' -Prompt $script:EditScript -Runner shell -Workspace $ws
        $before = Get-Porcelain $ws
        $null = Start-MsgcodeDaemon
        $queued = $task | Invoke-MsgcodeTask -Queue -Worktree
        $queued.Status | Should -Be 'queued'
        Get-Content (Join-Path $env:MSGCODE_HOME 'queue.jsonl') | ConvertFrom-Json | Where-Object runId -EQ $queued.RunId | Select-Object -First 1 -ExpandProperty worktree | Should -BeTrue
        ($queued | Wait-MsgcodeTask -Timeout 60).Status | Should -Be 'succeeded' -Because 'Wait-MsgcodeTask returns once the task took in the end too (its patch)'
        Get-Porcelain $ws | Should -Be $before
        (Get-MsgcodePatch $task.Id -Workspace $ws).Files.Path | Should -Contain 'renamed c.txt'
        (Get-MsgcodeWorktree $task.Id -Workspace $ws).State | Should -Be 'active'
    }

    It 'runs three attempts through the daemon, ranks a verified one first, merges it, and undo restores the tree byte for byte' {
        $ws = New-Repo
        $claims = Join-Path $TestDrive "claims-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $claims | Out-Null
        # The first attempt to run writes the answer the verify command wants; the others a wrong one.
        Set-MsgcodeConfig -Name worktree.verify -Value 'test "$(cat answer.txt)" = 42' -Workspace $ws
        $task = New-MsgcodeTask -Title 'answer' -Runner shell -Workspace $ws -Prompt "if mkdir '$claims/first' 2>/dev/null; then echo 42 > answer.txt; else echo 41 > answer.txt; echo more >> a.txt; fi"
        $tree = git -C $ws rev-parse 'HEAD^{tree}'
        $before = Get-Porcelain $ws
        $null = Start-MsgcodeDaemon
        $queued = $task | Invoke-MsgcodeTask -Worktree -Attempts 3 -Queue
        $queued.Count | Should -Be 3
        $queued.Status | Sort-Object -Unique | Should -Be 'queued'
        $ended = $queued | Wait-MsgcodeTask -Timeout 90
        $ended.Status | Sort-Object -Unique | Should -Be 'succeeded'

        $attempts = (Get-MsgcodeTask -Workspace $ws) | Where-Object Title -Like 'answer (attempt *'
        $attempts.Count | Should -Be 3
        foreach ($a in $attempts) { (Get-MsgcodePatch $a.Id -Workspace $ws).BaseCommit | Should -Be (git -C $ws rev-parse HEAD) }
        $ranked = Compare-MsgcodePatch $task.Id -Workspace $ws
        $ranked.Count | Should -Be 3
        ($ranked | ForEach-Object Rank) | Should -Be @(1, 2, 3)   # not $ranked.Rank: an array has a Rank of its own
        $ranked[0].VerifyStatus | Should -Be 'Verified'
        $ranked[1..2].VerifyStatus | Sort-Object -Unique | Should -Be 'VerifyFailed'
        $ranked[0].FilesChanged | Should -Be 1
        $ranked[0].RunStatus | Should -Be 'succeeded'
        $json = $ranked | ConvertTo-Json -Depth 4 | ConvertFrom-Json
        $json[0].DurationSeconds | Should -BeGreaterThan 0
        $detailed = Compare-MsgcodePatch $task.Id -Workspace $ws -Detailed
        $detailed[0].SharedFiles | Should -Be @('answer.txt')
        $detailed[1].DifferencesFromBest['answer.txt'] | Should -Match '-42'

        Merge-MsgcodePatch $task.Id -Attempt 9 -Workspace $ws -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'AttemptNotFound,*'
        $merged = Merge-MsgcodePatch $task.Id -Attempt $ranked[0].Attempt -Workspace $ws -Commit -Confirm:$false
        Get-Content (Join-Path $ws 'answer.txt') | Should -Be '42'
        # Another attempt over it: refused, nothing half-applied.
        $head = git -C $ws rev-parse HEAD
        Merge-MsgcodePatch $task.Id -Attempt $ranked[1].Attempt -Workspace $ws -Commit -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PatchConflict,*'
        (git -C $ws rev-parse HEAD) | Should -Be $head
        git -C $ws status --porcelain --untracked-files=no | Should -BeNullOrEmpty

        $undo = Undo-MsgcodePatch $task.Id -Workspace $ws -Confirm:$false
        $undo.Attempt | Should -Be $ranked[0].Attempt
        $undo.RevertedCommit | Should -Be $merged.Commit
        (git -C $ws rev-parse 'HEAD^{tree}') | Should -Be $tree
        Get-Porcelain $ws | Should -Be $before
    }

    It 'recovers parallel attempts after a SIGKILL of the daemon: each cut-short run is interrupted once, never started again, and a finished attempt is left alone' {
        $ws = New-Repo
        $claims = Join-Path $TestDrive "claims-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $claims | Out-Null
        $stamps = Join-Path $claims 'stamps.txt'
        # The first attempt to run finishes at once; the others work for a long time.
        $task = New-MsgcodeTask -Title 'kill' -Runner shell -Workspace $ws -Prompt "echo start `$MSGCODE_RUNID >> '$stamps'; if mkdir '$claims/first' 2>/dev/null; then echo quick > out.txt; else sleep 30; fi; echo end `$MSGCODE_RUNID >> '$stamps'"
        $env:MSGCODE_DAEMON_MAX_CONCURRENT_RUNS = '4'
        try { $null = Start-MsgcodeDaemon }
        finally { $env:MSGCODE_DAEMON_MAX_CONCURRENT_RUNS = $null }
        $queued = $task | Invoke-MsgcodeTask -Worktree -Attempts 3 -Queue
        Wait-Until { (Test-Path $stamps) -and @(Get-Content $stamps | Where-Object { $_ -like 'start *' }).Count -eq 3 -and @(Get-Content $stamps | Where-Object { $_ -like 'end *' }).Count -eq 1 } -TimeoutSec 60 | Should -BeTrue -Because 'all three attempts ran at once'
        # The quick attempt has ended once its task took in its end (status and patch), not only its ledger outcome.
        Wait-Until { @(Get-MsgcodeTask -Workspace $ws -Status done).Count -eq 1 } -TimeoutSec 30 | Should -BeTrue
        $daemon = Get-MsgcodeDaemon
        & kill -9 $daemon.Pid
        Wait-Until { -not (Test-Path "/proc/$($daemon.Pid)") } | Should -BeTrue
        $null = Start-MsgcodeDaemon
        Wait-Until { @($queued | ForEach-Object { Get-MsgcodeTaskRun -RunId $_.RunId -Workspace $ws } | Where-Object Status -NE 'running').Count -eq 3 } -TimeoutSec 60 | Should -BeTrue
        $runs = $queued | ForEach-Object { Get-MsgcodeTaskRun -RunId $_.RunId -Workspace $ws }
        ($runs.Status | Sort-Object) | Should -Be @('interrupted', 'interrupted', 'succeeded')
        $lines = @(Get-Content (Join-Path $ws 'tasks' 'runs.jsonl') | ConvertFrom-Json)
        foreach ($run in $queued) {
            @($lines | Where-Object { $_.runId -eq $run.RunId -and $_.event -eq 'started' }).Count | Should -Be 1 -Because "$($run.RunId) started once"
            @($lines | Where-Object { $_.runId -eq $run.RunId -and $_.event -in 'finished', 'failed', 'interrupted', 'canceled' }).Count | Should -Be 1 -Because "$($run.RunId) has one outcome"
        }
        Start-Sleep -Seconds 1
        $stamped = @(Get-Content $stamps)
        @($stamped | Where-Object { $_ -like 'start *' }).Count | Should -Be 3 -Because 'no attempt ran again'
        @($stamped | Where-Object { $_ -like 'end *' }).Count | Should -Be 1 -Because "the cut-short attempts' runners died with the daemon"
        (Compare-MsgcodePatch $task.Id -Workspace $ws | Where-Object RunStatus -EQ 'succeeded').FilesChanged | Should -Be 1
        (Get-MsgcodeTask -Workspace $ws).Status | Should -Not -Contain 'running'
    }

    It 'refuses attempts without -Worktree, and in a workspace that is no repository before any attempt is made' {
        $ws = New-TestWorkspace
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x' -Runner shell -Workspace $ws
        $task | Invoke-MsgcodeTask -Attempts 2 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskFieldInvalid,*'
        $task | Invoke-MsgcodeTask -Worktree -Attempts 2 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeRepositoryNotFound,*'
        @(Get-MsgcodeTask -Workspace $ws).Count | Should -Be 1
        Compare-MsgcodePatch $task.Id -Workspace $ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'AttemptNotFound,*'
    }

    It 'refuses at once to queue a -Worktree run that cannot be isolated' {
        $ws = New-TestWorkspace
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x' -Runner shell -Workspace $ws
        $null = Start-MsgcodeDaemon
        $null = $task | Invoke-MsgcodeTask -Queue -Worktree -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorktreeRepositoryNotFound,*'
        Test-Path (Join-Path $ws 'tasks' 'runs.jsonl') | Should -BeFalse
    }
}

Describe 'Sandboxed runs (-Sandbox)' -Skip:(-not $IsLinux -or -not $script:HasGit) {
    BeforeEach {
        $null = New-TestHome
    }

    It 'a worktree isolates git history, and with -Sandbox the file system too: a runner writing ../../a.txt fails and the main tree stays byte-identical' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 'escape' -Runner shell -Workspace $ws -Prompt @'
echo kept > "$TMPDIR/own-temp.txt" && cat "$TMPDIR/own-temp.txt"
echo inside > made.txt
echo escaped > "$HOME/escaped-$MSGCODE_RUNID.txt"
echo escaped > "/tmp/escaped-$MSGCODE_RUNID.txt"
echo escaped > ../../a.txt
'@
        $before = Get-ContentMap $ws @('tasks', 'worktrees')
        $porcelain = Get-Porcelain $ws
        $run = $task | Invoke-MsgcodeTask -Worktree -Sandbox -ErrorAction SilentlyContinue
        $run.Status | Should -Be 'failed' -Because 'the writes outside its worktree are refused'
        Get-Content (Join-Path $ws 'tasks' 'artifacts' $run.RunId 'errors.txt') -Raw | Should -Match 'Read-only file system'
        Get-ContentMap $ws @('tasks', 'worktrees') | Should -Be $before
        Get-Porcelain $ws | Should -Be $porcelain
        Test-Path (Join-Path $HOME "escaped-$($run.RunId).txt") | Should -BeFalse
        Test-Path "/tmp/escaped-$($run.RunId).txt" | Should -BeFalse -Because '/tmp is read-only inside the sandbox'
        Get-Content (Join-Path $ws 'tasks' 'artifacts' $run.RunId 'output.txt') -Raw | Should -Match 'kept' -Because 'the run has a TMPDIR of its own'
        (Get-MsgcodePatch $task.Id -Workspace $ws).Files.Path | Should -Be @('made.txt') -Because 'inside its worktree it works as usual'

        # Without -Sandbox the same runner reaches the main tree: what README says a worktree alone does not prevent.
        $open = New-MsgcodeTask -Title 'escape, unsandboxed' -Runner shell -Workspace $ws -Prompt 'echo escaped > ../../a.txt'
        ($open | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
        Get-Content (Join-Path $ws 'a.txt') -Raw | Should -Be "escaped`n"
    }

    It 'a sandboxed run''s verify command is sandboxed too: the workspace''s own command cannot write outside the worktree' {
        $ws = New-Repo
        Set-MsgcodeConfig -Name worktree.verify -Value 'echo verified > verify-made.txt && echo escaped > ../../a.txt' -Workspace $ws
        $task = New-MsgcodeTask -Title 'verify escape' -Runner shell -Workspace $ws -Prompt 'echo inside > made.txt'
        $before = Get-ContentMap $ws @('tasks', 'worktrees')
        ($task | Invoke-MsgcodeTask -Worktree -Sandbox).Status | Should -Be 'succeeded'
        $patch = Get-MsgcodePatch $task.Id -Workspace $ws
        $patch.VerifyStatus | Should -Be 'VerifyFailed' -Because 'its write outside the worktree was refused'
        Get-Content $patch.Verification.Log -Raw | Should -Match 'Read-only file system'
        Get-ContentMap $ws @('tasks', 'worktrees') | Should -Be $before
        Test-Path (Join-Path $ws 'worktrees' $task.Id 'verify-made.txt') | Should -BeTrue -Because 'inside the worktree it works as usual'
    }

    It 'a sandboxed run in the workspace itself writes there and nowhere else; a missing tool is SandboxUnavailable' {
        $ws = New-TestWorkspace
        $outside = Join-Path $TestDrive ('outside-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $outside | Out-Null
        $task = New-MsgcodeTask -Title 'here' -Runner shell -Workspace $ws -Prompt "echo here > here.txt; echo there > '$outside/there.txt'"
        $run = $task | Invoke-MsgcodeTask -Sandbox -ErrorAction SilentlyContinue
        $run.Status | Should -Be 'failed'
        Get-Content (Join-Path $ws 'here.txt') -Raw | Should -Be "here`n"
        Test-Path (Join-Path $outside 'there.txt') | Should -BeFalse
        $saved = $env:PATH
        try {
            $env:PATH = ($env:PATH -split [IO.Path]::PathSeparator | Where-Object { -not (Test-Path (Join-Path $_ 'bwrap')) }) -join [IO.Path]::PathSeparator
            $missing = New-MsgcodeTask -Title 'no tool' -Runner shell -Workspace $ws -Prompt 'true' | Invoke-MsgcodeTask -Sandbox -ErrorVariable e -ErrorAction SilentlyContinue
        }
        finally { $env:PATH = $saved }
        $missing.ErrorCode | Should -Be 'SandboxUnavailable'
        $e[0].FullyQualifiedErrorId | Should -BeLike 'SandboxUnavailable,*'
    }
}

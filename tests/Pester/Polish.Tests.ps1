#Requires -Version 7.4
# PowerShell as its users expect, the finishing touches: a workspace kept in git stays clean of msgcode's machinery,
# messages say what is really wrong (asserted on ErrorId and wording), -WhatIf and -PassThru tell the truth, the
# default build has help, and the manifest points at the project (Update-Help fails with words, not a crash).

BeforeDiscovery {
    $script:HasGit = [bool](Get-Command git -CommandType Application -ErrorAction SilentlyContinue)
    $script:OnLinux = $IsLinux
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
        # A workspace that is a git repository with one committed file.
        $ws = New-TestWorkspace
        git -C $ws init -q
        Set-Content -Path (Join-Path $ws 'a.txt') -Value "alpha`n" -NoNewline
        git -C $ws add -A
        git -C $ws commit -q -m 'first'
        return $ws
    }

    function script:Get-Untracked([string] $Path) {
        # Every path git status shows (untracked files one by one), relative to the repository.
        @(git -C $Path status --porcelain --untracked-files=all | ForEach-Object { $_.Substring(3) })
    }

    function script:Get-Failure([scriptblock] $Command) {
        # The error record a cmdlet writes (terminating or not).
        $failure = $null
        $ErrorActionPreference = 'Stop'   # seen by the script block: a non-terminating error stops it too
        try { & $Command | Out-Null } catch { $failure = $_ }
        if (-not $failure) { throw 'The command did not fail.' }
        return $failure
    }
}

AfterAll {
    foreach ($name in $script:SavedGit.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedGit[$name]) }
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'A workspace kept in git' -Skip:(-not $script:HasGit) {
    BeforeEach {
        $null = New-TestHome
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It 'shows only the tasks'' .json and .md files and the ledger after a -Worktree run, a plain run and a queued run' -Skip:(-not $script:OnLinux) {
        $ws = New-Repo
        $isolated = New-MsgcodeTask -Title 'in a worktree' -Prompt 'echo changed > b.txt; echo done' -Runner shell -Workspace $ws
        ($isolated | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
        $plain = New-MsgcodeTask -Title 'plain' -Prompt 'echo plain' -Runner shell -Workspace $ws
        ($plain | Invoke-MsgcodeTask).Status | Should -Be 'succeeded'
        $null = Set-MsgcodeTask $plain.Id -Workspace $ws -Title 'plain, renamed'   # an update through the spares
        $null = Get-MsgcodeTask -Workspace $ws                                       # the index cache
        $null = Get-MsgcodePatch $isolated.Id -Workspace $ws
        $null = Start-MsgcodeDaemon
        $queued = New-MsgcodeTask -Title 'queued' -Prompt 'echo queued' -Runner shell -Workspace $ws
        ($queued | Invoke-MsgcodeTask -Queue | Wait-MsgcodeTask -Timeout 60).Status | Should -Be 'succeeded'
        Stop-MsgcodeDaemon -TimeoutSec 10 | Out-Null

        # The machinery is there on disk, and git does not see it.
        Test-Path (Join-Path $ws 'tasks' '.tasks.lock') | Should -BeTrue
        Test-Path (Join-Path $ws 'tasks' 'index.json') | Should -BeTrue
        Test-Path (Join-Path $ws 'tasks' 'artifacts') | Should -BeTrue
        $expected = @('tasks/runs.jsonl') + @(foreach ($task in $isolated, $plain, $queued) { "tasks/$($task.Id).json"; "tasks/$($task.Id).md" })
        Get-Untracked $ws | Sort-Object | Should -Be ($expected | Sort-Object)
    }

    It 'keeps the lines a user adds to tasks/.gitignore, and brings its own block up to date once' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo one' -Runner shell -Workspace $ws
        $ignore = Join-Path $ws 'tasks' '.gitignore'
        $text = Get-Content -Raw $ignore
        # An older msgcode's block (one pattern short), with the user's lines before and after it.
        $old = $text -replace '(?m)^/artifacts/\n', ''
        Set-Content -Path $ignore -Value "# mine`nscratch.txt`n$old`nnotes-*.md`n" -NoNewline
        ($task | Invoke-MsgcodeTask).Status | Should -Be 'succeeded'

        $now = Get-Content -Raw $ignore
        $now | Should -Match '(?m)^scratch\.txt$'
        $now | Should -Match '(?m)^notes-\*\.md$'
        $now | Should -Match '(?m)^/artifacts/$'
        ([regex]::Matches($now, '(?m)^# >>> msgcode')).Count | Should -Be 1
        Set-Content -Path (Join-Path $ws 'tasks' 'scratch.txt') -Value 'x'
        Get-Untracked $ws | Should -Not -Contain 'tasks/scratch.txt'
        Get-Untracked $ws | Should -Not -Contain 'tasks/.gitignore'
        Get-Untracked $ws | Should -Contain "tasks/$($task.Id).json"
    }

    It 'keeps the copies of a task''s input files visible: a re-run needs them' {
        $ws = New-Repo
        $brief = Join-Path $TestDrive 'brief.txt'
        Set-Content -Path $brief -Value 'the brief'
        $task = New-MsgcodeTask -Title 'with a file' -Prompt 'true' -Runner shell -Workspace $ws -File $brief
        Get-Untracked $ws | Should -Contain "tasks/inputs/$($task.Id)/brief.txt"
    }
}

Describe 'Messages that say what is really wrong' {
    BeforeEach {
        $script:TestHome = New-TestHome
    }

    It 'says "expected one of" once for a setting outside its values' {
        $failure = Get-Failure { Set-MsgcodeConfig log.level loud }
        $failure.FullyQualifiedErrorId | Should -BeLike 'ConfigValueInvalid,*'
        $failure.Exception.Message | Should -Be "Invalid value for 'log.level': expected one of debug, info, warn, error, got 'loud'."
        ([regex]::Matches((Get-Failure { Set-MsgcodeConfig daemon.stopTimeoutSec 1.5 }).Exception.Message, '(?i)expected')).Count | Should -Be 1
    }

    It 'ends the bad-cron message with one period before its example' {
        $failure = Get-Failure { New-MsgcodeJob -Name 'bad-cron' -Cron '99 * * * *' -TimeZone UTC -Workspace (New-TestWorkspace) -Title 't' -Prompt 'p' -Runner shell }
        $failure.FullyQualifiedErrorId | Should -BeLike 'JobScheduleInvalid,*'
        $failure.Exception.Message | Should -Not -Match '\.\.'
        $failure.Exception.Message | Should -Match '\(all inclusive\)\. Example: '
        $failure.Exception.Message | Should -Not -Match 'The given cron expression has an invalid format'
    }

    It 'names what is wrong with a task id that is letters and digits only' {
        $ws = New-TestWorkspace
        $failure = Get-Failure { Get-MsgcodeTask 'tsk_01nope0000000000000000000' -Workspace $ws }
        $failure.FullyQualifiedErrorId | Should -BeLike 'TaskIdInvalid,*'
        $failure.Exception.Message | Should -Not -Match 'letters and digits only'
        $failure.Exception.Message | Should -Match "it has 'o', a letter ids never use"
        $failure.Exception.Message | Should -Match 'except i, l, o and u'
        (Get-Failure { Get-MsgcodeTask 'tsk_01../x' -Workspace $ws }).Exception.Message | Should -Match "it has '\.', which no id has"
        (Get-Failure { Get-MsgcodeTask ('tsk_' + '0' * 27) -Workspace $ws }).Exception.Message | Should -Match 'it has 27 characters after tsk_, and ids have 26'
    }

    It 'says under -WhatIf what Set-MsgcodeRoute would change, not "Bind the chat" for a status' {
        $ws = New-TestWorkspace
        $other = New-TestWorkspace
        $null = Set-MsgcodeRoute 'any;-;+15551234567' -Workspace $ws
        $result = Invoke-TestPwsh -Environment @{ MSGCODE_HOME = $script:TestHome } -Script @"
Set-MsgcodeRoute 'any;-;+15551234567' -Status paused -WhatIf
Set-MsgcodeRoute 'any;-;+15551234567' -Workspace '$other' -WhatIf
Set-MsgcodeRoute 'any;-;+15550000000' -Workspace '$other' -WhatIf
"@
        $result.ExitCode | Should -Be 0
        $text = $result.Output -join "`n"
        $text | Should -Match 'What if: .*"Change the chat''s route: status active -> paused" on target "any;-;\+15551234567"'
        $text | Should -Match ([regex]::Escape("Change the chat's route: workspace '$ws' -> '$other'"))
        $text | Should -Match ([regex]::Escape("Bind the chat to '$other'") + '" on target "any;-;\+15550000000"')
        (Get-MsgcodeRoute 'any;-;+15551234567').Status | Should -Be 'active'
    }
}

Describe 'Worktrees and patches tell the truth' -Skip:(-not $script:HasGit) {
    BeforeEach {
        $null = New-TestHome
    }

    It 'returns nothing, and no error, from Get-MsgcodeWorktree outside a repository' {
        $ws = New-TestWorkspace
        $listed = @(Get-MsgcodeWorktree -Workspace $ws -ErrorVariable e)
        $listed.Count | Should -Be 0
        $e | Should -BeNullOrEmpty
        # A task's own worktree asked for by id is still an error: the task has none.
        $task = New-MsgcodeTask -Title 't' -Prompt 'true' -Runner shell -Workspace $ws
        (Get-Failure { Get-MsgcodeWorktree $task.Id -Workspace $ws }).FullyQualifiedErrorId | Should -BeLike 'WorktreeNotFound,*'
    }

    It 'returns the removed worktree with State removed from Remove-MsgcodeWorktree -PassThru' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        $removed = Remove-MsgcodeWorktree $task.Id -Workspace $ws -PassThru -Confirm:$false
        $removed.State | Should -Be 'removed'
        $removed.TaskId | Should -Be $task.Id
        Test-Path $removed.Path | Should -BeFalse
    }

    It 'outputs nothing from Clear-MsgcodeWorktree -WhatIf, and removes nothing' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'echo x > x.txt' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        Remove-Item -Recurse -Force (Join-Path $ws 'worktrees' $task.Id)
        @(Clear-MsgcodeWorktree -Workspace $ws -WhatIf).Count | Should -Be 0
        (Get-MsgcodeWorktree -Workspace $ws).State | Should -Be 'prunable'
        (Clear-MsgcodeWorktree -Workspace $ws -Confirm:$false).Action | Should -Be 'removed'
    }

    It 'reports a merged patch as already applied, not as conflicts, and refuses to merge it again with PatchAlreadyApplied' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'printf "alpha\nbeta\n" > a.txt; echo new > new.txt' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        $null = Merge-MsgcodePatch $task.Id -Workspace $ws -Commit -Confirm:$false

        $check = Test-MsgcodePatch $task.Id -Workspace $ws -Detailed
        $check.AlreadyApplied | Should -BeTrue
        $check.AppliesCleanly | Should -BeFalse
        $check.Conflicts | Should -BeNullOrEmpty
        $check.Message | Should -Match '^The patch is already applied to [0-9a-f]+: every change it makes is there, so there is nothing to merge\.$'
        Test-MsgcodePatch $task.Id -Workspace $ws | Should -BeFalse

        $head = git -C $ws rev-parse HEAD
        $failure = Get-Failure { Merge-MsgcodePatch $task.Id -Workspace $ws -Commit -Confirm:$false }
        $failure.FullyQualifiedErrorId | Should -BeLike 'PatchAlreadyApplied,*'
        $failure.Exception.Message | Should -Match 'already applied.*Nothing was changed'
        git -C $ws rev-parse HEAD | Should -Be $head
    }

    It 'reads an empty patch as no files, not as a git apply error' {
        $ws = New-Repo
        $task = New-MsgcodeTask -Title 't' -Prompt 'true' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask -Worktree
        $patch = Get-MsgcodePatch $task.Id -Workspace $ws -ErrorVariable e
        $e | Should -BeNullOrEmpty
        $patch.FilesChanged | Should -Be 0
        $patch.Files | Should -BeNullOrEmpty
        (Test-MsgcodePatch $task.Id -Workspace $ws -Detailed).Message | Should -Be 'The patch changes nothing.'
    }
}

Describe 'The build and the manifest' {
    BeforeAll {
        $script:Manifest = Import-PowerShellDataFile (Get-TestModulePath)
        $script:ProjectUri = $script:Manifest.PrivateData.PSData.ProjectUri
    }

    It 'builds the help with the default task, so Get-Help works after a plain ./build.ps1' {
        # build.ps1 runs its tasks when it is read, so its text is checked: -Task defaults to Build, and Build makes the help.
        $errors = $null
        $ast = [Management.Automation.Language.Parser]::ParseFile((Join-Path $PSScriptRoot '..' '..' 'build.ps1'), [ref]$null, [ref]$errors)
        $errors | Should -BeNullOrEmpty
        $task = $ast.ParamBlock.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq 'Task' }
        $task.DefaultValue.Extent.Text | Should -Match "^@\('Build'\)$"
        $build = $ast.Find({ param($n) $n -is [Management.Automation.Language.FunctionDefinitionAst] -and $n.Name -eq 'Invoke-Build' }, $true)
        @($build.Body.FindAll({ param($n) $n -is [Management.Automation.Language.CommandAst] }, $true) | ForEach-Object { $_.GetCommandName() }) | Should -Contain 'Invoke-Help'
        Test-Path (Join-Path (Split-Path (Get-TestModulePath)) 'en-US' 'Msgcode.PowerShell.dll-Help.xml') | Should -BeTrue
    }

    It 'names the project, its license and where help comes from' {
        $script:ProjectUri | Should -Match '^https://github\.com/[^/]+/[^/]+$'
        $script:Manifest.PrivateData.PSData.LicenseUri | Should -Match '^https://'
        $script:Manifest.HelpInfoUri | Should -BeLike "$script:ProjectUri/*"
        (Get-Module Msgcode).ProjectUri | Should -Be $script:ProjectUri
    }

    It 'gives every cmdlet an online version in the project, for Get-Help -Online' {
        foreach ($command in Get-Command -Module Msgcode -CommandType Cmdlet) {
            $first = @((Get-Help $command.Name -Full).relatedLinks.navigationLink)[0]
            $first.uri | Should -Be "$script:ProjectUri/blob/main/help/$($command.Name).md" -Because "$($command.Name)'s help page needs 'online version:'"
        }
    }

    It 'ends Update-Help -Module Msgcode with an error that says what failed, not a crash' {
        # In a fresh pwsh with its own home, so no help is written anywhere else; in the test run's network namespace
        # nothing can be reached, elsewhere the project has no updatable help yet: either way, an error record.
        $helpHome = Join-Path $TestDrive 'update-help-home'
        New-Item -ItemType Directory -Force -Path $helpHome | Out-Null
        $result = Invoke-TestPwsh -Environment @{ HOME = $helpHome } -Script @'
try {
    Update-Help -Module Msgcode -UICulture en-US -Scope CurrentUser -Force -ErrorAction SilentlyContinue -ErrorVariable failures
    'ended'
}
catch { "terminating: $($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
foreach ($failure in $failures) { "error: $($failure.FullyQualifiedErrorId) | $($failure.Exception.Message -replace '\s+', ' ')" }
'@
        $result.ExitCode | Should -Be 0
        $result.Output | Should -Contain 'ended'
        $errors = @($result.Output | Where-Object { $_ -like 'error: *' })
        $errors.Count | Should -BeGreaterThan 0
        $errors[0] | Should -Match "Failed to update Help for the module\(s\) 'Msgcode'"
        $errors[0] | Should -Not -Match 'HelpInfoUriNotFound'   # the manifest says where help lives
        ($result.Output -join "`n") | Should -Not -Match '(?m)^\s+at [A-Z][\w.]+\('   # no exception trace
    }
}

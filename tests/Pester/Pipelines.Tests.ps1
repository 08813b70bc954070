#Requires -Version 7.4
# Pipelines and paths as a PowerShell user expects them: everything the module emits that names a task (runs, job
# runs, worktrees, patches, memory hits) pipes into the task cmdlets by its TaskId, strings are ids, and no object
# binds -Id by its string form; -Workspace and the other path parameters go through the provider (Env:\ is a
# non-terminating WorkspaceNotFileSystem in every cmdlet), are taken literally and complete literally; and
# Remove-MsgcodeTask.

BeforeDiscovery {
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
    Set-Content -Path $env:GIT_CONFIG_GLOBAL -Value "[init]`n`tdefaultBranch = main"

    function script:New-Repo {
        $ws = New-TestWorkspace
        & git -C $ws init -q
        Set-Content -Path (Join-Path $ws 'a.txt') -Value 'alpha'
        & git -C $ws add -A
        & git -C $ws commit -q -m first
        return $ws
    }

    function script:ErrorIdOf($Record) { ($Record.FullyQualifiedErrorId -split ',')[0] }
}

AfterAll {
    Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    foreach ($name in $script:SavedGit.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedGit[$name]) }
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Pipeline binding into the task cmdlets' -Skip:(-not $script:HasGit) {
    BeforeAll {
        $script:TestHome = New-TestHome
        $script:Ws = New-Repo
        $script:Task = New-MsgcodeTask -Title 'edit' -Prompt 'echo changed >> a.txt' -Runner shell -Workspace $script:Ws
        $run = $script:Task | Invoke-MsgcodeTask -Worktree
        $run.Status | Should -Be 'succeeded'

        # A job that runs the same task again, fired by the real daemon, for a job run that names it.
        $null = New-MsgcodeJob -Name again -At (Get-Date).AddSeconds(2) -TaskId $script:Task.Id -Workspace $script:Ws
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-MsgcodeJobRun again).Status -eq 'succeeded' } -TimeoutSec 60 | Should -BeTrue
        Stop-MsgcodeDaemon -TimeoutSec 10 | Out-Null

        Add-MsgcodeMemory 'The flaky test was a time zone bug.' -TaskId $script:Task.Id.Substring(0, 12) -Workspace $script:Ws
        $script:Sources = @{
            run      = Get-MsgcodeTaskRun -Last 1 -Workspace $script:Ws
            jobrun   = Get-MsgcodeJobRun again | Select-Object -First 1
            worktree = Get-MsgcodeWorktree -Workspace $script:Ws | Select-Object -First 1
            patch    = Get-MsgcodePatch $script:Task.Id -Workspace $script:Ws
            memory   = Search-MsgcodeMemory 'time zone' -Workspace $script:Ws | Select-Object -First 1
        }
        foreach ($key in $script:Sources.Keys) {
            $script:Sources[$key] | Should -Not -BeNullOrEmpty -Because "the $key source exists"
            $script:Sources[$key].TaskId | Should -Be $script:Task.Id -Because "the $key names the task"
        }
        Push-Location $TestDrive # not the workspace: the piped objects' Workspace property must bind too
    }
    BeforeEach {
        $null = Set-MsgcodeTask $script:Task.Id -Status open -Force -Workspace $script:Ws # a run that succeeds closes it as done
    }
    AfterAll {
        Pop-Location
    }

    It '<Source> | Get-MsgcodeTask returns its task (the run''s string form never binds -Id)' -ForEach @(
        @{ Source = 'run' }, @{ Source = 'jobrun' }, @{ Source = 'worktree' }, @{ Source = 'patch' }, @{ Source = 'memory' }
    ) {
        $found = $script:Sources[$Source] | Get-MsgcodeTask -ErrorVariable failed
        $failed | Should -BeNullOrEmpty
        $found.Id | Should -Be $script:Task.Id
    }

    It '<Source> | Set-MsgcodeTask and Close-MsgcodeTask change its task' -ForEach @(
        @{ Source = 'run' }, @{ Source = 'jobrun' }, @{ Source = 'worktree' }, @{ Source = 'patch' }, @{ Source = 'memory' }
    ) {
        ($script:Sources[$Source] | Set-MsgcodeTask -Title "via $Source" -PassThru).Title | Should -Be "via $Source"
        $closed = $script:Sources[$Source] | Close-MsgcodeTask -Status canceled -PassThru
        $closed.Id | Should -Be $script:Task.Id
        $closed.Status | Should -Be 'canceled'
    }

    It '<Source> | Invoke-MsgcodeTask runs its task, and Wait-MsgcodeTask waits for its run' -ForEach @(
        @{ Source = 'run' }, @{ Source = 'jobrun' }, @{ Source = 'worktree' }, @{ Source = 'patch' }, @{ Source = 'memory' }
    ) {
        ($script:Sources[$Source] | Invoke-MsgcodeTask).TaskId | Should -Be $script:Task.Id
        $waited = $script:Sources[$Source] | Wait-MsgcodeTask -Timeout 60
        $waited.TaskId | Should -Be $script:Task.Id
        if ($script:Sources[$Source].PSObject.Properties['RunId'] -and $script:Sources[$Source].RunId) {
            $waited.RunId | Should -Be $script:Sources[$Source].RunId -Because 'an object with a RunId waits for that run'
        }
    }

    It '<Source> | Get-MsgcodeWorktree and Remove-MsgcodeTask act on its task' -ForEach @(
        @{ Source = 'run' }, @{ Source = 'jobrun' }, @{ Source = 'worktree' }, @{ Source = 'patch' }, @{ Source = 'memory' }
    ) {
        ($script:Sources[$Source] | Get-MsgcodeWorktree).TaskId | Should -Be $script:Task.Id
        $script:Sources[$Source] | Remove-MsgcodeTask -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused
        ErrorIdOf $refused[0] | Should -Be 'TaskHasWorktree' -Because 'the task still has its worktree'
        $refused[0].TargetObject | Should -Be $script:Task.Id
        $refused[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        Test-Path -LiteralPath $script:Task.Path | Should -BeTrue -Because 'a refusal removes nothing'
    }

    It 'takes strings as ids and id prefixes, one by one' {
        ($script:Task.Id | Get-MsgcodeTask -Workspace $script:Ws).Id | Should -Be $script:Task.Id
        ($script:Task.Id.Substring(0, 12), $script:Task.Id | Get-MsgcodeTask -Workspace $script:Ws).Id | Should -Be @($script:Task.Id, $script:Task.Id)
        ($script:Task.Id | Set-MsgcodeTask -Title 'by string' -PassThru -Workspace $script:Ws).Title | Should -Be 'by string'
        ($script:Task.Id | Get-MsgcodeWorktree -Workspace $script:Ws).TaskId | Should -Be $script:Task.Id
        (Get-MsgcodeTask -Id $script:Sources.run -Workspace $script:Ws).Id | Should -Be $script:Task.Id -Because 'an object given to -Id names its task as in the pipeline'
    }

    It 'refuses an object that names no task as a binding error, not as a wrong id' {
        [pscustomobject]@{ Name = 'tsk_nothing' } | Get-MsgcodeTask -Workspace $script:Ws -ErrorAction SilentlyContinue -ErrorVariable refused
        ErrorIdOf $refused[0] | Should -Be 'ParameterArgumentTransformationError'
        Get-Date | Invoke-MsgcodeTask -Workspace $script:Ws -ErrorAction SilentlyContinue -ErrorVariable refused2
        ErrorIdOf $refused2[0] | Should -Be 'ParameterArgumentTransformationError'
        $note = Add-MsgcodeMemory 'a note about nothing in particular' -Workspace $script:Ws -PassThru
        $note.TaskId | Should -BeNullOrEmpty
        $note | Get-MsgcodeTask -ErrorAction SilentlyContinue -ErrorVariable refused3
        ErrorIdOf $refused3[0] | Should -Be 'ParameterArgumentTransformationError'
    }
}

Describe 'Paths through the provider' {
    BeforeAll {
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
        $script:Task = New-MsgcodeTask -Title 'paths' -Prompt 'echo hi' -Runner shell -Workspace $script:Ws
        $script:Job = New-MsgcodeJob -Name paths -Every '01:00:00' -Workspace $script:Ws -Runner shell -Title t -Prompt p -Disabled
        $id = $script:Task.Id
        # Every cmdlet with -Workspace, with the other arguments it needs to get as far as the workspace.
        $script:Arguments = @{
            'Add-MsgcodeMemory'          = @{ Text = 'x' }
            'Clear-MsgcodeWorktree'      = @{}
            'Close-MsgcodeTask'          = @{ Id = $id }
            'Compare-MsgcodePatch'       = @{ Id = $id }
            'Get-MsgcodeEffectiveConfig' = @{}
            'Get-MsgcodePatch'           = @{ Id = $id }
            'Get-MsgcodeTask'            = @{}
            'Get-MsgcodeTaskRun'         = @{}
            'Get-MsgcodeWorktree'        = @{}
            'Invoke-MsgcodeRunner'       = @{ Kind = 'shell'; Prompt = 'echo x' }
            'Invoke-MsgcodeTask'         = @{ Id = $id }
            'Merge-MsgcodePatch'         = @{ Id = $id }
            'New-MsgcodeJob'             = @{ Name = 'envjob'; Every = '01:00:00'; Runner = 'shell'; Title = 't'; Prompt = 'p' }
            'New-MsgcodeTask'            = @{ Title = 't'; Prompt = 'p'; Runner = 'shell' }
            'Remove-MsgcodeTask'         = @{ Id = $id }
            'Remove-MsgcodeWorktree'     = @{ Id = $id }
            'Reset-MsgcodeConfig'        = @{ Name = 'log.level' }
            'Search-MsgcodeMemory'       = @{ Query = 'x' }
            'Set-MsgcodeConfig'          = @{ Name = 'log.level'; Value = 'debug' }
            'Set-MsgcodeJob'             = @{ Id = $script:Job.Id; Title = 'u' }
            'Set-MsgcodeRoute'           = @{ ChatGuid = 'iMessage;+;chat-paths' }
            'Set-MsgcodeTask'            = @{ Id = $id; Title = 'u' }
            'Test-MsgcodeDoctor'         = @{}
            'Test-MsgcodePatch'          = @{ Id = $id }
            'Undo-MsgcodePatch'          = @{ Id = $id }
            'Wait-MsgcodeTask'           = @{ Id = $id }
        }
    }

    It 'knows the arguments of every cmdlet that has -Workspace' {
        $withWorkspace = Get-Command -Module Msgcode | Where-Object { $_.Parameters.ContainsKey('Workspace') } | ForEach-Object Name
        $withWorkspace | Sort-Object | Should -Be ($script:Arguments.Keys | Sort-Object) -Because 'a new cmdlet with -Workspace gets its arguments here, so the walk below covers it'
    }

    It 'gives WorkspaceNotFileSystem for -Workspace <Path> in every cmdlet, as an error -ErrorAction SilentlyContinue silences' -ForEach @(
        @{ Path = 'Env:\' }, @{ Path = 'Variable:\' }, @{ Path = 'Env:\HOME' }
    ) {
        foreach ($name in $script:Arguments.Keys) {
            $arguments = $script:Arguments[$name].Clone()
            $command = Get-Command $name
            if ($command.Parameters.ContainsKey('WhatIf')) { $arguments.WhatIf = $true } # nothing may change even if the check were missing
            $refused = $null
            $thrown = $null
            try { $null = & $name @arguments -Workspace $Path -ErrorAction SilentlyContinue -ErrorVariable refused }
            catch { $thrown = $_ }
            $thrown | Should -BeNullOrEmpty -Because "$name -Workspace $Path writes an error, it does not end the pipeline"
            $refused.Count | Should -BeGreaterThan 0 -Because "$name -Workspace $Path is an error"
            ErrorIdOf $refused[0] | Should -Be 'WorkspaceNotFileSystem' -Because "$name -Workspace $Path"
            $refused[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $refused[0].TargetObject | Should -Be $Path
        }
        (Get-MsgcodeTask -Workspace $script:Ws).Count | Should -Be 1 -Because 'no task was written anywhere'
    }

    It 'gives WorkspaceNotFileSystem when the current location is on Env: and writes nothing into the last file system folder' {
        $folder = New-TestWorkspace
        Push-Location $folder
        try {
            Set-Location Env:
            New-MsgcodeTask -Title t -Prompt p -Runner shell -ErrorAction SilentlyContinue -ErrorVariable refused
            Get-MsgcodeTask -ErrorAction SilentlyContinue -ErrorVariable refused2
            Add-MsgcodeMemory 'x' -ErrorAction SilentlyContinue -ErrorVariable refused3
            New-MsgcodeJob -Name here -Every '01:00:00' -Runner shell -Title t -Prompt p -ErrorAction SilentlyContinue -ErrorVariable refused4
        }
        finally { Pop-Location }
        foreach ($e in $refused, $refused2, $refused3, $refused4) {
            ErrorIdOf $e[0] | Should -Be 'WorkspaceNotFileSystem'
            $e[0].TargetObject | Should -BeLike 'Env:*'
        }
        @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 0 -Because 'nothing falls back to the last file system folder'
        (Get-MsgcodeJob -ErrorAction SilentlyContinue | Where-Object Name -EQ 'here') | Should -BeNullOrEmpty
    }

    It 'gives PathNotFileSystem for a -File or -Path on another provider' {
        New-MsgcodeTask -Title t -Prompt p -Runner shell -File 'Env:\HOME' -Workspace $script:Ws -ErrorAction SilentlyContinue -ErrorVariable refused
        ErrorIdOf $refused[0] | Should -Be 'PathNotFileSystem'
        $refused[0].TargetObject | Should -Be 'Env:\HOME'
        Get-MsgcodePatch $script:Task.Id -Path 'Variable:\x' -Workspace $script:Ws -ErrorAction SilentlyContinue -ErrorVariable refused2
        ErrorIdOf $refused2[0] | Should -Be 'PathNotFileSystem'
        (Get-MsgcodeTask -Workspace $script:Ws).Count | Should -Be 1
    }

    It 'takes brackets in a workspace path literally, and completes such a path the way it binds' {
        $parent = Join-Path $TestDrive 'brackets'
        $folder = [IO.Directory]::CreateDirectory((Join-Path $parent 'a[1]')).FullName
        $null = [IO.Directory]::CreateDirectory((Join-Path $parent 'a1'))
        $line = "New-MsgcodeTask -Title t -Prompt p -Runner shell -Workspace $parent/a"
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $completions.CompletionText | Should -Contain "$parent/a[1]"
        $completions.CompletionText | Should -Not -Match '`' -Because '-Workspace is taken literally, so its completion is not escaped'
        $completed = $line.Substring(0, $line.Length - "$parent/a".Length) + ($completions | Where-Object ListItemText -EQ 'a[1]').CompletionText
        $task = Invoke-Expression $completed
        $task.Workspace | Should -Be $folder
        Test-Path -LiteralPath (Join-Path $folder 'tasks' "$($task.Id).json") | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $parent 'a1' 'tasks') | Should -BeFalse -Because '[1] is not a wildcard'
    }

    It 'completes -File literally too, quoting only what the shell needs' {
        $folder = [IO.Directory]::CreateDirectory((Join-Path $TestDrive 'files')).FullName
        Set-Content -LiteralPath (Join-Path $folder 'in[1] x.txt') -Value 'input'
        $line = "New-MsgcodeTask -Title t -Prompt p -Runner shell -Workspace $($script:Ws) -File $folder/in"
        $completion = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Select-Object -First 1
        $completion.CompletionText | Should -Be "'$folder/in[1] x.txt'"
        $task = Invoke-Expression ($line.Substring(0, $line.Length - "$folder/in".Length) + $completion.CompletionText)
        Get-Content -LiteralPath ([IO.Path]::GetFullPath($task.Files[0], $script:Ws)) | Should -Be 'input'
        $null = Remove-MsgcodeTask $task.Id -Workspace $script:Ws -Confirm:$false
    }
}

Describe 'Remove-MsgcodeTask' {
    BeforeAll {
        $script:TestHome = New-TestHome
    }
    BeforeEach {
        $script:Ws = New-TestWorkspace
    }

    It 'changes nothing with -WhatIf' {
        $input1 = Join-Path $TestDrive 'input.txt'
        Set-Content -LiteralPath $input1 -Value 'data'
        $task = New-MsgcodeTask -Title keep -Prompt 'echo hi' -Runner shell -File $input1 -Workspace $script:Ws
        $null = $task | Invoke-MsgcodeTask
        $before = Get-ChildItem -LiteralPath $script:Ws -Recurse -File -Force | ForEach-Object { "$($_.FullName) $((Get-FileHash -LiteralPath $_.FullName).Hash)" }
        $task | Remove-MsgcodeTask -WhatIf
        $task | Remove-MsgcodeTask -IncludeRuns -WhatIf
        $after = Get-ChildItem -LiteralPath $script:Ws -Recurse -File -Force | ForEach-Object { "$($_.FullName) $((Get-FileHash -LiteralPath $_.FullName).Hash)" }
        $after | Should -Be $before
    }

    It 'removes the task''s files, its inputs and its index entry, and keeps its run records' {
        $input1 = Join-Path $TestDrive 'input.txt'
        Set-Content -LiteralPath $input1 -Value 'data'
        $task = New-MsgcodeTask -Title gone -Prompt 'echo hi' -Runner shell -File $input1 -Workspace $script:Ws
        $other = New-MsgcodeTask -Title stays -Prompt 'echo hi' -Runner shell -Workspace $script:Ws
        $run = $task | Invoke-MsgcodeTask
        $inputs = Join-Path $script:Ws 'tasks' 'inputs' $task.Id
        Test-Path -LiteralPath $inputs | Should -BeTrue
        $removed = $task | Remove-MsgcodeTask -Confirm:$false -PassThru
        $removed.Id | Should -Be $task.Id
        Test-Path -LiteralPath (Join-Path $script:Ws 'tasks' "$($task.Id).json") | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $script:Ws 'tasks' "$($task.Id).md") | Should -BeFalse
        Test-Path -LiteralPath $inputs | Should -BeFalse
        (Get-Content -LiteralPath (Join-Path $script:Ws 'tasks' 'index.json') -Raw) | Should -Not -Match $task.Id
        (Get-MsgcodeTask -Workspace $script:Ws).Id | Should -Be $other.Id
        Get-MsgcodeTask $task.Id -Workspace $script:Ws -ErrorAction SilentlyContinue -ErrorVariable missing
        ErrorIdOf $missing[0] | Should -Be 'TaskNotFound'
        (Get-MsgcodeTaskRun -Workspace $script:Ws).RunId | Should -Contain $run.RunId -Because 'run records are kept by default'
    }

    It 'removes the run records and their artifacts too with -IncludeRuns, and no other task''s' {
        $task = New-MsgcodeTask -Title gone -Prompt 'echo hi' -Runner shell -Workspace $script:Ws
        $other = New-MsgcodeTask -Title stays -Prompt 'echo hi' -Runner shell -Workspace $script:Ws
        $run = $task | Invoke-MsgcodeTask
        $otherRun = $other | Invoke-MsgcodeTask
        $artifacts = Join-Path $script:Ws 'tasks' 'artifacts' $run.RunId
        Test-Path -LiteralPath $artifacts | Should -BeTrue
        Remove-MsgcodeTask $task.Id -IncludeRuns -Workspace $script:Ws -Confirm:$false
        (Get-MsgcodeTaskRun -Workspace $script:Ws).RunId | Should -Be @($otherRun.RunId)
        Test-Path -LiteralPath $artifacts | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $script:Ws 'tasks' 'artifacts' $otherRun.RunId) | Should -BeTrue
    }

    It 'refuses a running task (TaskAlreadyRunning) and removes it once the run has ended' {
        $go = Join-Path $script:Ws 'go'
        $task = New-MsgcodeTask -Title busy -Prompt "while [ ! -f '$go' ]; do sleep 0.1; done" -Runner shell -Workspace $script:Ws
        $job = Start-ThreadJob -ScriptBlock { param($module, $id, $ws) Import-Module $module; Invoke-MsgcodeTask $id -Workspace $ws } -ArgumentList (Get-TestModulePath), $task.Id, $script:Ws
        try {
            Wait-Until { (Get-MsgcodeTask $task.Id -Workspace $script:Ws).Status -eq 'running' } -TimeoutSec 30 | Should -BeTrue
            Remove-MsgcodeTask $task.Id -Workspace $script:Ws -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused
            ErrorIdOf $refused[0] | Should -Be 'TaskAlreadyRunning'
            $refused[0].TargetObject | Should -Be $task.Id
            Test-Path -LiteralPath $task.Path | Should -BeTrue
        }
        finally {
            Set-Content -LiteralPath $go -Value 'go'
            $null = $job | Wait-Job -Timeout 60 | Receive-Job
            $job | Remove-Job -Force
        }
        Remove-MsgcodeTask $task.Id -Workspace $script:Ws -Confirm:$false
        Test-Path -LiteralPath $task.Path | Should -BeFalse
    }
}

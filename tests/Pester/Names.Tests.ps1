#Requires -Version 7.4
# Names that agree (issue 20): runner names checked at the door, notes apart from run summaries,
# MSGCODE_-prefixed environment variables with the original names as a labelled fallback, short task ids.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment

    function Get-ErrorOf([scriptblock] $Script) {
        # The error a command ends with, terminating or not.
        $ErrorActionPreference = 'Stop'
        try { $null = & $Script } catch { return $_ }
        return $null
    }
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Notes are their own field' {
    BeforeEach {
        $null = New-TestHome
        $script:Ws = New-TestWorkspace
    }

    It 'keeps Set-MsgcodeTask -Notes across a run; the run''s summary goes to LastSummary' {
        $task = New-MsgcodeTask -Title 'noted' -Prompt "'RUN-OUTPUT'" -Runner pwsh -Workspace $script:Ws
        $null = $task | Set-MsgcodeTask -Notes 'waiting for the API key'
        $null = $task | Invoke-MsgcodeTask
        $after = Get-MsgcodeTask -Id $task.Id -Workspace $script:Ws
        $after.Notes | Should -Be 'waiting for the API key'
        $after.LastSummary | Should -Match 'RUN-OUTPUT'
        $json = Get-Content -Raw (Join-Path $script:Ws 'tasks' "$($task.Id).json") | ConvertFrom-Json
        $json.notes.text | Should -Be 'waiting for the API key'
        ($after | Format-List | Out-String) | Should -Match 'Notes\s+: waiting for the API key'
    }

    It 'keeps Close-MsgcodeTask -Reason across a reopened task''s run' {
        $task = New-MsgcodeTask -Title 'closed' -Prompt "'AGAIN'" -Runner pwsh -Workspace $script:Ws
        $null = $task | Close-MsgcodeTask -Status canceled -Reason 'superseded'
        $null = Set-MsgcodeTask -Id $task.Id -Status open -Force -Workspace $script:Ws
        $null = $task | Invoke-MsgcodeTask
        $after = Get-MsgcodeTask -Id $task.Id -Workspace $script:Ws
        $after.CloseReason | Should -Be 'superseded'
        $after.LastSummary | Should -Match 'AGAIN'
    }
}

Describe 'Runner names are checked where they are set' {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
    }

    It 'refuses -Runner pwhs on New-MsgcodeTask with RunnerNotFound, a did-you-mean and the runners there are; -Force takes it' {
        $err = Get-ErrorOf { New-MsgcodeTask -Title 't' -Runner pwhs -Workspace $script:Ws }
        $err.FullyQualifiedErrorId | Should -Be 'RunnerNotFound,Msgcode.PowerShell.Commands.NewMsgcodeTaskCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be 'pwhs'
        $err.Exception.Message | Should -Match "Did you mean 'pwsh'\?"
        $err.Exception.Message | Should -Match 'Available: .*lmstudio.*shell'
        $err.Exception.Message | Should -Match '-Force'
        Get-MsgcodeTask -Workspace $script:Ws | Should -BeNullOrEmpty
        (New-MsgcodeTask -Title 't' -Runner pwhs -Force -Workspace $script:Ws).Runner | Should -Be 'pwhs'
    }

    It 'accepts a runner of the user''s capabilities.json' {
        @{ version = 1; runners = @(@{ kind = 'mine'; description = 'echo'; risk = 'low'
            command = @{ executable = 'echo'; arguments = @('{prompt}'); prompt = 'argument'; result = @{ from = 'stdout' } } }) } |
            ConvertTo-Json -Depth 6 | Set-Content (Join-Path $script:TestHome 'capabilities.json')
        (New-MsgcodeTask -Title 't' -Runner mine -Workspace $script:Ws).Runner | Should -Be 'mine'
    }

    It 'refuses an unknown runner on Set-MsgcodeTask and leaves the task as it was; -Force takes it' {
        $task = New-MsgcodeTask -Title 't' -Runner shell -Workspace $script:Ws
        $err = Get-ErrorOf { $task | Set-MsgcodeTask -Runner pwhs }
        $err.FullyQualifiedErrorId | Should -Be 'RunnerNotFound,Msgcode.PowerShell.Commands.SetMsgcodeTaskCommand'
        (Get-MsgcodeTask $task.Id -Workspace $script:Ws).Runner | Should -Be 'shell'
        ($task | Set-MsgcodeTask -Runner later -Force -PassThru).Runner | Should -Be 'later'
    }

    It 'refuses an unknown runner on New-MsgcodeJob and Set-MsgcodeJob; -Force takes it' {
        $err = Get-ErrorOf { New-MsgcodeJob -Name j -Every (New-TimeSpan -Minutes 5) -Workspace $script:Ws -Runner pwhs -Title t -Prompt p }
        $err.FullyQualifiedErrorId | Should -Be 'RunnerNotFound,Msgcode.PowerShell.Commands.NewMsgcodeJobCommand'
        Get-MsgcodeJob | Should -BeNullOrEmpty
        $job = New-MsgcodeJob -Name j -Every (New-TimeSpan -Minutes 5) -Workspace $script:Ws -Runner shell -Title t -Prompt p
        $err = Get-ErrorOf { Set-MsgcodeJob -Id $job.Id -Runner shel }
        $err.FullyQualifiedErrorId | Should -Be 'RunnerNotFound,Msgcode.PowerShell.Commands.SetMsgcodeJobCommand'
        $err.Exception.Message | Should -Match "Did you mean 'shell'\?"
        $null = Set-MsgcodeJob -Id $job.Id -Runner later -Force
        $null = New-MsgcodeJob -Name k -Every (New-TimeSpan -Minutes 5) -Workspace $script:Ws -Runner later -Force -Title t -Prompt p
        @(Get-MsgcodeJob).Count | Should -Be 2
    }

    It 'refuses an unknown runner on Set-MsgcodeRoute; -Force takes it' {
        $err = Get-ErrorOf { Set-MsgcodeRoute 'iMessage;+;chat0001aaaa' $script:Ws -Runner pwhs }
        $err.FullyQualifiedErrorId | Should -Be 'RunnerNotFound,Msgcode.PowerShell.Commands.SetMsgcodeRouteCommand'
        Get-MsgcodeRoute | Should -BeNullOrEmpty
        (Set-MsgcodeRoute 'iMessage;+;chat0001aaaa' $script:Ws -Runner later -Force -PassThru).Runner | Should -Be 'later'
    }

    It 'refuses an unknown runner.default in state and in a workspace; -Force takes it' {
        $err = Get-ErrorOf { Set-MsgcodeConfig runner.default pwhs }
        $err.FullyQualifiedErrorId | Should -Be 'RunnerNotFound,Msgcode.PowerShell.Commands.SetMsgcodeConfigCommand'
        (Get-MsgcodeEffectiveConfig -Name runner.default).Source | Should -Be 'Default'
        $err = Get-ErrorOf { Set-MsgcodeConfig runner.default pwhs -Workspace $script:Ws }
        $err.FullyQualifiedErrorId | Should -Be 'RunnerNotFound,Msgcode.PowerShell.Commands.SetMsgcodeConfigCommand'
        Set-MsgcodeConfig runner.default later -Force
        (Get-MsgcodeEffectiveConfig -Name runner.default).Value | Should -Be 'later'
    }
}

Describe 'Settings read MSGCODE_ environment variables; the original names only as a fallback' {
    BeforeEach {
        $script:TestHome = New-TestHome
    }

    AfterEach {
        foreach ($name in 'LOG_LEVEL', 'MSGCODE_LOG_LEVEL', 'WORKSPACE_ROOT', 'MSGCODE_WORKSPACE_ROOT') { [Environment]::SetEnvironmentVariable($name, $null) }
    }

    It 'takes MSGCODE_LOG_LEVEL over LOG_LEVEL, and labels LOG_LEVEL alone as legacy' {
        $env:LOG_LEVEL = 'debug'
        $entry = Get-MsgcodeEffectiveConfig -Name log.level
        $entry.Value | Should -Be 'debug'
        $entry.Source | Should -Be 'Environment'
        $entry.SourcePath | Should -Be 'env:LOG_LEVEL (legacy)'
        $entry.SourceVariable | Should -Be 'LOG_LEVEL (legacy)'
        $env:MSGCODE_LOG_LEVEL = 'error'
        $entry = Get-MsgcodeEffectiveConfig -Name log.level
        $entry.Value | Should -Be 'error'
        $entry.SourcePath | Should -Be 'env:MSGCODE_LOG_LEVEL'
    }

    It 'reads the legacy names in .env too, where the MSGCODE_ line wins' {
        Set-Content -Path (Join-Path $script:TestHome '.env') -Value "MSGCODE_WORKSPACE_ROOT=/srv/new`nWORKSPACE_ROOT=/srv/old`nLOG_LEVEL=warn"
        (Get-MsgcodeEffectiveConfig -Name workspace.root).Value | Should -Be '/srv/new'
        $level = Get-MsgcodeEffectiveConfig -Name log.level
        $level.Value | Should -Be 'warn'
        $level.Source | Should -Be 'EnvFile'
        $level.SourceVariable | Should -Be 'LOG_LEVEL (legacy)'
    }

    It 'warns about another program''s LOG_LEVEL=TRACE instead of failing the doctor' {
        $env:LOG_LEVEL = 'TRACE'
        $entry = Get-MsgcodeEffectiveConfig -Name log.level -ErrorVariable e -WarningVariable w -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $e | Should -BeNullOrEmpty
        $w.Message | Should -Match '^ConfigLegacyValueIgnored: .*MSGCODE_LOG_LEVEL'
        $entry.Value | Should -Be 'info'
        $checks = Test-MsgcodeDoctor -Category configuration -Detailed -WarningAction SilentlyContinue
        $checks | Where-Object Status -EQ 'fail' | Should -BeNullOrEmpty
        ($checks | Where-Object { $_.Details.errorId -eq 'ConfigLegacyValueIgnored' }).Status | Should -Be 'warn'
    }

    It 'labels another app''s WORKSPACE_ROOT as legacy, and MSGCODE_WORKSPACE_ROOT wins over it' {
        Set-MsgcodeConfig workspace.root (Join-Path $TestDrive 'mine')
        $env:WORKSPACE_ROOT = Join-Path $TestDrive 'other-app'
        (Get-MsgcodeEffectiveConfig -Name workspace.root).SourceVariable | Should -Be 'WORKSPACE_ROOT (legacy)' -Because 'the legacy name is still a fallback, and says so'
        $env:MSGCODE_WORKSPACE_ROOT = Join-Path $TestDrive 'msgcode'
        (Get-MsgcodeEffectiveConfig -Name workspace.root).Value | Should -Be (Join-Path $TestDrive 'msgcode')
    }
}

Describe 'Short ids that differ' {
    BeforeEach {
        $null = New-TestHome
        $script:Ws = New-TestWorkspace
    }

    It 'gives tasks made a moment apart short ids that differ, which tables show and -Id takes' {
        $a = New-MsgcodeTask -Title 'first' -Workspace $script:Ws
        $b = New-MsgcodeTask -Title 'second' -Workspace $script:Ws
        # Full ids begin with their time (that is why they sort): the first 4 time characters change every 12 days or so.
        $a.Id.Substring(0, 8) | Should -Be $b.Id.Substring(0, 8) -Because 'full ids begin with their time'
        $a.ShortId | Should -Be ('tsk_' + $a.Id.Substring($a.Id.Length - 6))
        $a.ShortId | Should -Not -Be $b.ShortId
        (Get-MsgcodeTask $a.ShortId -Workspace $script:Ws).Id | Should -Be $a.Id
        (Get-MsgcodeTask $b.ShortId.ToUpperInvariant() -Workspace $script:Ws).Id | Should -Be $b.Id
        (Get-MsgcodeTask $a.Id -Workspace $script:Ws).Id | Should -Be $a.Id -Because 'full ids stay valid'
        ($a | Set-MsgcodeTask -Title 'renamed' -PassThru).ShortId | Should -Be $a.ShortId
        $table = Get-MsgcodeTask -Workspace $script:Ws | Format-Table | Out-String -Width 120
        $table | Should -Match ([regex]::Escape($a.ShortId) + '\s+open')
        $table | Should -Not -Match ([regex]::Escape($a.Id))
    }

    It 'refuses a beginning that names several tasks with TaskIdAmbiguous, listing them' {
        $tasks = 1..3 | ForEach-Object { New-MsgcodeTask -Title "t$_" -Workspace $script:Ws }
        $err = Get-ErrorOf { Get-MsgcodeTask $tasks[0].Id.Substring(0, 10) -Workspace $script:Ws }
        $err.FullyQualifiedErrorId | Should -Be 'TaskIdAmbiguous,Msgcode.PowerShell.Commands.GetMsgcodeTaskCommand'
        foreach ($t in $tasks) { $err.Exception.Message | Should -Match $t.Id }
    }

    It 'resolves every task id that the help and the README use, as written' {
        $root = Join-Path $PSScriptRoot '..' '..'
        $files = @(Get-ChildItem (Join-Path $root 'help') -Filter *.md) + @(Get-Item (Join-Path $root 'README.md'))
        $ids = $files | Select-String -Pattern '\btsk_[0-9a-z]+\b' -AllMatches -CaseSensitive |
            ForEach-Object { $_.Matches.Value } | Sort-Object -Unique
        $ids | Should -Not -BeNullOrEmpty
        # A task for each example id, whose own id ends with it (as a real task's would), beside tasks made now.
        $made = New-MsgcodeTask -Title 'template' -Workspace $script:Ws
        $null = 1..3 | ForEach-Object { New-MsgcodeTask -Title "other $_" -Workspace $script:Ws }
        $tasks = Join-Path $script:Ws 'tasks'
        $json = Get-Content -Raw (Join-Path $tasks "$($made.Id).json")
        foreach ($id in $ids) {
            $id | Should -Match '^tsk_[0-9a-hjkmnp-tv-z]{6}$' -Because "help examples use the short form of an id, which works as written (not $id)"
            $full = $made.Id.Substring(0, 24) + $id.Substring(4)
            Set-Content (Join-Path $tasks "$full.json") ($json.Replace($made.Id, $full)) -NoNewline
            Set-Content (Join-Path $tasks "$full.md") "# example $id`n"
        }
        foreach ($id in $ids) {
            (Get-MsgcodeTask $id -Workspace $script:Ws).Id | Should -BeLike "*$($id.Substring(4))"
        }
        Push-Location $script:Ws
        try { (Get-MsgcodeTask tsk_k7q2m9 | Format-List | Out-String) | Should -Match 'ShortId\s+: tsk_k7q2m9' }
        finally { Pop-Location }
    }
}

#Requires -Version 7.4
# The settings of the job scheduler, against the real daemon: jobs.enabled (nothing fires while it is false, the daemon
# picks the change up without a restart) and jobs.missedRunPolicy (the policy of jobs that name none, read when a
# catch-up happens); and jobs.enabled set in a workspace's file, which is user-wide and so reported, never applied.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment

    function Get-JobRecords {
        $path = Join-Path $env:MSGCODE_HOME 'jobs' 'runs.jsonl'
        if (-not (Test-Path $path)) { return @() }
        @(Get-Content $path | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json -ErrorAction Stop })
    }

    function Set-JobCursor([string] $Id, [DateTimeOffset] $At) {
        # What a daemon that stopped at $At leaves in jobs.json: the job's next run, still at $At.
        $path = Join-Path $env:MSGCODE_HOME 'jobs.json'
        $file = Get-Content -Raw $path | ConvertFrom-Json -Depth 20
        ($file.jobs | Where-Object id -EQ $Id).state.nextRunAtMs = $At.ToUnixTimeMilliseconds()
        $file | ConvertTo-Json -Depth 20 | Set-Content -Path $path -Encoding utf8NoBOM
    }
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'jobs.enabled and jobs.missedRunPolicy in the running daemon' {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It 'fires nothing while jobs.enabled is false, says so, and fires again once it is set true, without a restart' {
        $marks = Join-Path $script:Ws 'marks.txt'
        Set-MsgcodeConfig jobs.enabled false
        $null = New-MsgcodeJob -Name beat -Every '00:00:02' -Workspace $script:Ws -Runner shell -Title beat -Prompt "echo x >> '$marks'"
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-MsgcodeDaemon).JobsEnabled -eq $false } -TimeoutSec 30 | Should -BeTrue
        (Get-MsgcodeDaemon).NextJobRunAt | Should -BeNullOrEmpty
        # Three occurrences come due (2 s apart) while jobs are off; none may fire.
        $until = (Get-Date).AddSeconds(7)
        Wait-Until { (Get-Date) -gt $until } -TimeoutSec 30 | Out-Null
        Test-Path $marks | Should -BeFalse
        @(Get-JobRecords | Where-Object event -EQ 'fired').Count | Should -Be 0

        Start-MsgcodeJob beat -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'JobsDisabled,*'
        $check = Test-MsgcodeDoctor -Detailed -Category jobs | Where-Object Name -EQ 'enabled'
        $check.Status | Should -Be 'Warn'
        $check.Message | Should -Match 'jobs\.enabled is false \(State'

        Set-MsgcodeConfig jobs.enabled true
        Wait-Until { (Test-Path $marks) -and @(Get-Content $marks).Count -ge 2 } -TimeoutSec 30 | Should -BeTrue -Because 'the daemon reads jobs.enabled again on its own'
        (Get-MsgcodeDaemon).JobsEnabled | Should -BeTrue
        $records = Get-JobRecords
        $skipped = @($records | Where-Object { $_.event -eq 'skipped' -and $_.trigger -eq 'jobs.enabled' })
        $skipped.Count | Should -Be 1 -Because 'what came due while jobs were off is recorded once, as skipped'
        $skipped[0].count | Should -BeGreaterOrEqual 3
        @($records | Where-Object { $_.event -eq 'fired' -and $_.trigger -ne 'schedule' }).Count | Should -Be 0 -Because 'nothing is caught up'
        (Test-MsgcodeDoctor -Detailed -Category jobs | Where-Object Name -EQ 'enabled').Status | Should -Be 'Pass'
    }

    It 'a job without its own missed-run policy follows jobs.missedRunPolicy when the daemon comes back' {
        Set-MsgcodeConfig jobs.missedRunPolicy skip
        $common = @{ Every = '01:00:00'; Anchor = (Get-Date).AddHours(-5).AddMinutes(5); Workspace = $script:Ws; Runner = 'shell'; Prompt = 'echo hi' }
        $follows = New-MsgcodeJob -Name follows -Title follows @common
        $own = New-MsgcodeJob -Name own -Title own -MissedRunPolicy run-once @common
        $follows.MissedRunPolicy | Should -Be 'skip'
        $follows.MissedRunPolicySource | Should -Be 'jobs.missedRunPolicy'
        $own.MissedRunPolicySource | Should -Be 'Job'
        (Get-Content -Raw (Join-Path $script:TestHome 'jobs.json') | ConvertFrom-Json).jobs[0].missedRunPolicy.PSObject.Properties.Name | Should -Not -Contain 'kind' -Because 'the setting is read when the catch-up happens, not copied'

        # The daemon was down for three hours: three occurrences of each job were missed.
        foreach ($job in $follows, $own) { Set-JobCursor $job.Id $job.NextRunAt.AddHours(-3) }
        $null = Start-MsgcodeDaemon
        Wait-Until { @(Get-JobRecords | Where-Object { $_.jobId -eq $own.Id -and $_.event -eq 'finished' }).Count -eq 1 } -TimeoutSec 60 | Should -BeTrue
        Wait-Until { @(Get-JobRecords | Where-Object { $_.jobId -eq $follows.Id -and $_.event -eq 'skipped' }).Count -eq 1 } -TimeoutSec 30 | Should -BeTrue
        $records = Get-JobRecords
        @($records | Where-Object { $_.jobId -eq $follows.Id -and $_.event -eq 'fired' }).Count | Should -Be 0 -Because 'jobs.missedRunPolicy is skip'
        ($records | Where-Object { $_.jobId -eq $follows.Id -and $_.event -eq 'skipped' }).count | Should -Be 3
        ($records | Where-Object { $_.jobId -eq $own.Id -and $_.event -eq 'fired' }).trigger | Should -Be 'catch-up' -Because 'its own run-once wins over the setting'

        # Back to the setting: the job that chose for itself follows it again.
        (Set-MsgcodeJob own -MissedRunPolicy default -PassThru).MissedRunPolicySource | Should -Be 'jobs.missedRunPolicy'
    }
}

Describe 'jobs.enabled in a workspace file' {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
        New-Item -ItemType Directory -Path (Join-Path $script:Ws '.msgcode') | Out-Null
        $script:WsConfig = Join-Path $script:Ws '.msgcode' 'config.json'
        @{ 'jobs.enabled' = $false } | ConvertTo-Json | Set-Content -Path $script:WsConfig -Encoding utf8NoBOM
        New-Item -ItemType Directory -Path (Join-Path $script:Ws 'tasks') | Out-Null
    }

    It 'is reported as user-wide on the key, in -Explain and by the doctor, and never applied' {
        $entry = Get-MsgcodeEffectiveConfig jobs.enabled -Workspace $script:Ws -ErrorVariable problems -ErrorAction SilentlyContinue
        $entry.Value | Should -BeTrue
        $entry.Source | Should -Be 'Default'
        $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigKeyNotWorkspaceScoped,*'
        $problems[0].Exception.Message | Should -BeLike "$script:WsConfig*user-wide*"
        $entry.Problems | Should -HaveCount 1
        $entry.Problems[0] | Should -Match '^ConfigKeyNotWorkspaceScoped: '

        $layers = Get-MsgcodeEffectiveConfig jobs.enabled -Workspace $script:Ws -Explain -ErrorAction SilentlyContinue
        $ignored = $layers | Where-Object Layer -EQ 'Workspace'
        $ignored.Status | Should -Be 'Ignored'
        $ignored.ErrorId | Should -Be 'ConfigKeyNotWorkspaceScoped'
        $ignored.Path | Should -Be $script:WsConfig
        ($layers | Where-Object Status -EQ 'Effective').Layer | Should -Be 'Default'

        $check = Test-MsgcodeDoctor -Detailed -Category configuration -Workspace $script:Ws | Where-Object Name -EQ 'jobs.enabled@workspace'
        $check.Status | Should -Be 'Warn'
        $check.Details.errorId | Should -Be 'ConfigKeyNotWorkspaceScoped'
        $check.Details.where | Should -Be $script:WsConfig
        (Test-MsgcodeDoctor -Detailed -Category jobs | Where-Object Name -EQ 'enabled').Status | Should -Be 'Pass' -Because 'the workspace cannot turn the daemon''s jobs off'
    }
}

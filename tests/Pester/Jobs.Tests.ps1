#Requires -Version 7.4
# Scheduled jobs: the cmdlets and their errors, then the real daemon: hot reload, a hand-broken jobs.json,
# and no double firing across SIGKILLs at the moment of firing.

BeforeDiscovery {
    $script:OnLinux = $IsLinux
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment

    function Get-JobRecords {
        $path = Join-Path $env:MSGCODE_HOME 'jobs' 'runs.jsonl'
        if (-not (Test-Path $path)) { return @() }
        @(Get-Content $path | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json -ErrorAction Stop })
    }
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Job cmdlets' {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
    }

    It 'creates, lists, changes, disables, enables and removes a job' {
        $job = New-MsgcodeJob -Name 'commit summary' -Cron '0 9 * * 1-5' -TimeZone Asia/Shanghai -Workspace $script:Ws -Runner shell -Title 'Summarise' -Prompt 'git log --since=yesterday'
        $job.GetType().FullName | Should -Be 'Msgcode.Core.Jobs.JobInfo'
        $job.Id | Should -Match '^job_'
        $job.NextRunAt | Should -BeGreaterThan (Get-Date)
        $job.NextRunAt.ToUniversalTime().Hour | Should -Be 1 -Because '09:00 in Shanghai is 01:00 UTC'
        $job.MissedRunPolicy | Should -Be 'run-once'
        Test-Path (Join-Path $script:TestHome 'jobs.json') | Should -BeTrue

        (Get-MsgcodeJob).Id | Should -Be $job.Id
        (Get-MsgcodeJob 'commit*').Id | Should -Be $job.Id
        (Get-MsgcodeJob 'COMMIT SUMMARY').Id | Should -Be $job.Id

        $changed = Set-MsgcodeJob 'commit summary' -Cron '30 8 * * *' -MissedRunPolicy run-all -MaxMissedRuns 3 -PassThru
        $changed.Cron | Should -Be '30 8 * * *'
        $changed.TimeZone | Should -Be 'Asia/Shanghai' -Because '-Cron alone keeps the zone'
        $changed.MaxMissedRuns | Should -Be 3
        $changed.NextRunAt.ToUniversalTime().ToString('HH:mm') | Should -Be '00:30'

        (Disable-MsgcodeJob $job.Id -PassThru).Enabled | Should -BeFalse
        (Get-MsgcodeJob $job.Id).NextRunAt | Should -BeNullOrEmpty
        Get-MsgcodeJob -Enabled | Should -BeNullOrEmpty
        (Get-MsgcodeJob | Enable-MsgcodeJob -PassThru).Enabled | Should -BeTrue

        Remove-MsgcodeJob $job.Id -WhatIf
        Get-MsgcodeJob | Should -Not -BeNullOrEmpty
        Get-MsgcodeJob | Remove-MsgcodeJob -Confirm:$false
        Get-MsgcodeJob | Should -BeNullOrEmpty
    }

    It 'creates every and at jobs, and jobs that run an existing task' {
        $every = New-MsgcodeJob -Name beat -Every (New-TimeSpan -Minutes 5) -Workspace $script:Ws -Runner shell -Title beat -Prompt 'date'
        $every.Every | Should -Be '00:05:00'
        ($every.NextRunAt - (Get-Date)).TotalMinutes | Should -BeGreaterThan 4
        $at = New-MsgcodeJob -Name once -At (Get-Date).AddHours(1) -Workspace $script:Ws -Runner shell -Title once -Prompt 'date'
        $at.ScheduleKind | Should -Be 'at'
        $task = New-MsgcodeTask -Title 'nightly build' -Prompt 'make' -Runner shell -Workspace $script:Ws
        $rerun = New-MsgcodeJob -Name rerun -Cron '0 2 * * *' -TimeZone UTC -TaskId $task.Id.Substring(0, 12) -Workspace $script:Ws -Disabled
        $rerun.Action | Should -Be 'runTask'
        $rerun.TaskId | Should -Be $task.Id
        $rerun.Enabled | Should -BeFalse
        (Get-MsgcodeJob).Count | Should -Be 3
        New-MsgcodeJob -Name whatif -Every '00:01:00' -Workspace $script:Ws -Title x -WhatIf
        (Get-MsgcodeJob).Count | Should -Be 3
    }

    It 'refuses bad input, each with its ErrorId' {
        $common = @{ Workspace = $script:Ws; Runner = 'shell'; Title = 't'; ErrorAction = 'SilentlyContinue' }
        New-MsgcodeJob -Name a -Cron '61 9 * * *' -TimeZone UTC @common -ErrorVariable e1
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'JobScheduleInvalid,*'
        New-MsgcodeJob -Name a -Cron '0 9 * * *' -TimeZone 'Mars/Olympus' @common -ErrorVariable e2
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'JobTimeZoneInvalid,*'
        $e2[0].TargetObject | Should -Be 'Mars/Olympus'
        New-MsgcodeJob -Name a -Every ([TimeSpan]::Zero) @common -ErrorVariable e3
        $e3[0].FullyQualifiedErrorId | Should -BeLike 'JobIntervalInvalid,*'
        New-MsgcodeJob -Name a -At (Get-Date).AddMinutes(-1) @common -ErrorVariable e4
        $e4[0].FullyQualifiedErrorId | Should -BeLike 'JobAtInPast,*'
        New-MsgcodeJob -Name a -Cron '0 9 * * *' -TimeZone UTC -Workspace (Join-Path $TestDrive 'no-such-ws') -Runner shell -Title t -ErrorAction SilentlyContinue -ErrorVariable e5
        $e5[0].FullyQualifiedErrorId | Should -BeLike 'WorkspaceNotFound,*'
        New-MsgcodeJob -Name a -Cron '0 9 * * *' -TimeZone UTC -Workspace $script:Ws -ErrorAction SilentlyContinue -ErrorVariable e6
        $e6[0].FullyQualifiedErrorId | Should -BeLike 'JobActionInvalid,*'
        $null = New-MsgcodeJob -Name a -Cron '0 9 * * *' -TimeZone UTC @common
        New-MsgcodeJob -Name A -Cron '0 9 * * *' -TimeZone UTC @common -ErrorVariable e7
        $e7[0].FullyQualifiedErrorId | Should -BeLike 'JobNameExists,*'
        Get-MsgcodeJob nope -ErrorAction SilentlyContinue -ErrorVariable e8
        $e8[0].FullyQualifiedErrorId | Should -BeLike 'JobNotFound,*'
        Set-MsgcodeJob a -Cron 'not cron' -ErrorAction SilentlyContinue -ErrorVariable e9
        $e9[0].FullyQualifiedErrorId | Should -BeLike 'JobScheduleInvalid,*'
        Start-MsgcodeJob a -ErrorAction SilentlyContinue -ErrorVariable e10
        $e10[0].FullyQualifiedErrorId | Should -BeLike 'DaemonNotRunning,*'
        (Get-MsgcodeJob a).Cron | Should -Be '0 9 * * *'
    }

    It 'never writes over a jobs.json broken by hand, and says so with JobsFileInvalid' {
        $null = New-MsgcodeJob -Name a -Cron '0 9 * * *' -TimeZone UTC -Workspace $script:Ws -Runner shell -Title t
        $path = Join-Path $script:TestHome 'jobs.json'
        $broken = (Get-Content $path -Raw) -replace '"jobs": \[', '"jobs": [,'
        [IO.File]::WriteAllText($path, $broken)
        Get-MsgcodeJob -ErrorAction SilentlyContinue -ErrorVariable e1
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'JobsFileInvalid,*'
        $e1[0].TargetObject | Should -Be $path
        New-MsgcodeJob -Name b -Cron '0 9 * * *' -TimeZone UTC -Workspace $script:Ws -Runner shell -Title t -ErrorAction SilentlyContinue -ErrorVariable e2
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'JobsFileInvalid,*'
        Disable-MsgcodeJob a -ErrorAction SilentlyContinue -ErrorVariable e3
        $e3[0].FullyQualifiedErrorId | Should -BeLike 'JobsFileInvalid,*'
        [IO.File]::ReadAllText($path) | Should -BeExactly $broken
        $check = Test-MsgcodeDoctor -Detailed -Category jobs
        ($check | Where-Object Name -EQ 'jobs-file').Status | Should -Be 'fail'
        ($check | Where-Object Name -EQ 'jobs-file').Message | Should -Match 'JobsFileInvalid'
    }

    It 'reports disabled jobs and missing workspaces in the doctor, and a job whose workspace vanished can still be disabled' {
        $gone = New-TestWorkspace
        $null = New-MsgcodeJob -Name lost -Cron '0 9 * * *' -TimeZone UTC -Workspace $gone -Runner shell -Title t
        $null = New-MsgcodeJob -Name paused -Every '01:00:00' -Workspace $script:Ws -Runner shell -Title t -Disabled
        Remove-Item $gone -Recurse
        $checks = Test-MsgcodeDoctor -Detailed -Category jobs
        ($checks | Where-Object Name -EQ 'workspaces').Status | Should -Be 'fail'
        ($checks | Where-Object Name -EQ 'workspaces').Message | Should -Match 'lost'
        ($checks | Where-Object Name -EQ 'disabled').Status | Should -Be 'warn'
        ($checks | Where-Object Name -EQ 'schedules').Status | Should -Be 'pass'
        $checks | Where-Object Status -In 'warn', 'fail' | ForEach-Object { $_.FixHint | Should -Not -BeNullOrEmpty }
        (Disable-MsgcodeJob lost -PassThru).Enabled | Should -BeFalse
        Set-MsgcodeJob lost -Workspace (Join-Path $TestDrive 'also-gone') -ErrorAction SilentlyContinue -ErrorVariable e
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorkspaceNotFound,*'
    }

    It 'completes job ids and names, and time zones' {
        $job = New-MsgcodeJob -Name 'morning report' -Cron '0 9 * * *' -TimeZone UTC -Workspace $script:Ws -Runner shell -Title t
        $byName = TabExpansion2 -inputScript 'Get-MsgcodeJob morn' -cursorColumn 'Get-MsgcodeJob morn'.Length
        $byName.CompletionMatches.CompletionText | Should -Contain "'morning report'"
        $byId = TabExpansion2 -inputScript 'Start-MsgcodeJob job_' -cursorColumn 'Start-MsgcodeJob job_'.Length
        $byId.CompletionMatches.CompletionText | Should -Contain $job.Id
        $zones = TabExpansion2 -inputScript 'New-MsgcodeJob -TimeZone Asia/Sha' -cursorColumn 'New-MsgcodeJob -TimeZone Asia/Sha'.Length
        $zones.CompletionMatches.CompletionText | Should -Contain 'Asia/Shanghai'
    }
}

Describe 'Jobs in the real daemon' -Skip:(-not $script:OnLinux) {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It 'picks up a job added by a cmdlet while it runs, runs it in the lanes, and runs it now on request' {
        $null = Start-MsgcodeDaemon
        $marks = Join-Path $script:Ws 'marks.txt'
        $job = New-MsgcodeJob -Name beat -Every '00:00:02' -Workspace $script:Ws -Runner shell -Title 'beat {{key}}' -Prompt "echo '{{key}}' >> '$marks'"
        Wait-Until { (Test-Path $marks) -and @(Get-Content $marks).Count -ge 2 } -TimeoutSec 12 | Should -BeTrue -Because 'the daemon reloads jobs.json without a restart'
        Wait-Until { @(Get-MsgcodeJobRun beat | Where-Object Status -EQ 'succeeded').Count -ge 2 } -TimeoutSec 30 | Should -BeTrue
        $runs = Get-MsgcodeJobRun beat
        $runs[0].GetType().FullName | Should -Be 'Msgcode.Core.Jobs.JobRunInfo'
        ($runs | Where-Object Status -EQ 'succeeded').Trigger | Sort-Object -Unique | Should -Be 'schedule'
        $firstRun = $runs | Where-Object Status -EQ 'succeeded' | Select-Object -Last 1
        (Get-MsgcodeTask -Id $firstRun.TaskId -Workspace $script:Ws).Title | Should -Be "beat $($firstRun.Key)"
        (Get-Content $marks) | Should -Contain $firstRun.Key
        $info = Get-MsgcodeJob beat
        $info.LastRunAt | Should -Not -BeNullOrEmpty
        $info.NextRunAt | Should -BeGreaterThan $info.LastRunAt
        (Get-MsgcodeDaemon).JobCount | Should -Be 1

        Disable-MsgcodeJob beat
        Start-Sleep -Milliseconds 500
        Wait-Until { -not (Get-MsgcodeJobRun beat | Where-Object Status -In 'queued', 'pending') } -TimeoutSec 30 | Should -BeTrue
        $count = @(Get-Content $marks).Count
        Start-MsgcodeJob beat -PassThru | Should -Not -BeNullOrEmpty
        Wait-Until { @(Get-MsgcodeJobRun beat | Where-Object { $_.Trigger -eq 'manual' -and $_.Status -eq 'succeeded' }).Count -eq 1 } -TimeoutSec 30 | Should -BeTrue
        Start-Sleep -Seconds 2.5
        @(Get-Content $marks).Count | Should -Be ($count + 1) -Because 'a disabled job runs only when started by hand, and once'
        Remove-MsgcodeJob beat -Confirm:$false
        Wait-Until { (Get-MsgcodeDaemon).JobCount -eq 0 } -TimeoutSec 30 | Should -BeTrue -Because 'a removal is picked up too'
        (Get-MsgcodeJobRun $job.Id).Count | Should -BeGreaterThan 2 -Because 'a removed job''s history stays readable by its full id'
    }

    It 'keeps the last good schedule when jobs.json is broken by hand, reports it, and never writes over it' {
        $marks = Join-Path $script:Ws 'marks.txt'
        $null = New-MsgcodeJob -Name beat -Every '00:00:01' -Workspace $script:Ws -Runner shell -Title beat -Prompt "echo x >> '$marks'"
        $null = Start-MsgcodeDaemon
        Wait-Until { Test-Path $marks } -TimeoutSec 30 | Should -BeTrue
        $path = Join-Path $script:TestHome 'jobs.json'
        $broken = '{ "version": 1, "jobs": [ oops'
        [IO.File]::WriteAllText($path, $broken)
        Wait-Until { (Get-MsgcodeDaemon).JobsProblem -eq 'JobsFileInvalid' } -TimeoutSec 30 | Should -BeTrue
        $count = @(Get-Content $marks).Count
        Wait-Until { @(Get-Content $marks).Count -ge $count + 2 } -TimeoutSec 30 | Should -BeTrue -Because 'the last good schedule keeps running'
        [IO.File]::ReadAllText($path) | Should -BeExactly $broken
        $logged = Get-MsgcodeLog -Tail 200 | Where-Object Message -Like 'jobs file invalid*' | Select-Object -First 1
        $logged.Fields.errorId | Should -Be 'JobsFileInvalid'
        (Get-MsgcodeDaemon).JobCount | Should -Be 1
    }

    It 'recovers a SIGKILL at each step of a firing (<Stage>): the occurrence fires once and runs at most once' -ForEach @(
        @{ Stage = 'fired'; Expected = 'interrupted'; Lines = 0 }
        @{ Stage = 'prepared'; Expected = 'interrupted'; Lines = 0 }
        @{ Stage = 'enqueued'; Expected = 'succeeded'; Lines = 1 }
        @{ Stage = 'queued'; Expected = 'succeeded'; Lines = 1 }
    ) {
        $marks = Join-Path $script:Ws 'marks.txt'
        $job = New-MsgcodeJob -Name once -At (Get-Date).AddSeconds(2) -Workspace $script:Ws -Runner shell -Title once -Prompt "echo '{{key}}' >> '$marks'"
        $env:MSGCODE_TEST_JOBS_KILL_AT = $Stage
        try { $daemon = Start-MsgcodeDaemon -PassThru }
        finally { Remove-Item Env:MSGCODE_TEST_JOBS_KILL_AT }
        Wait-Until { -not (Test-Path "/proc/$($daemon.Pid)") } -TimeoutSec 15 | Should -BeTrue -Because "the daemon kills itself right after the '$Stage' step"
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-MsgcodeJobRun once).Status -eq $Expected } -TimeoutSec 15 | Should -BeTrue
        Start-Sleep -Milliseconds 500
        $run = @(Get-MsgcodeJobRun once)
        $run.Count | Should -Be 1 -Because 'one occurrence, one firing'
        $run[0].Status | Should -Be $Expected
        @(Get-JobRecords | Where-Object event -EQ 'fired').Count | Should -Be 1
        @(if (Test-Path $marks) { Get-Content $marks }).Count | Should -Be $Lines
        (Get-MsgcodeJob once).RunningSince | Should -BeNullOrEmpty
    }

    It 'never fires an occurrence twice across SIGKILLs of the daemon at the moment of firing' {
        $marks = Join-Path $script:Ws 'marks.txt'
        $null = New-MsgcodeJob -Name tick -Every '00:00:01' -Workspace $script:Ws -Runner shell -Title tick -Prompt "echo '{{key}}' >> '$marks'"
        for ($kill = 1; $kill -le 3; $kill++) {
            $null = Start-MsgcodeDaemon
            $pid0 = (Get-MsgcodeDaemon).Pid
            $before = @(Get-JobRecords | Where-Object event -EQ 'fired').Count
            Wait-Until { @(Get-JobRecords | Where-Object event -EQ 'fired').Count -gt $before } -TimeoutSec 30 | Should -BeTrue
            & kill -9 $pid0   # right after a firing was recorded: before, during or after its work was queued
            Wait-Until { -not (Test-Path "/proc/$pid0") } | Should -BeTrue
        }
        $null = Start-MsgcodeDaemon
        Start-Sleep -Seconds 3
        Stop-MsgcodeDaemon -TimeoutSec 10 | Out-Null

        $records = Get-JobRecords
        $fired = @($records | Where-Object event -EQ 'fired')
        $fired.Count | Should -BeGreaterThan 3
        ($fired.key | Sort-Object -Unique).Count | Should -Be $fired.Count -Because 'each occurrence fires once'
        $lines = @(Get-Content $marks)
        ($lines | Sort-Object -Unique).Count | Should -Be $lines.Count -Because 'no occurrence ran twice'
        $lines | ForEach-Object { $fired.key | Should -Contain $_ }
        $finished = @($records | Where-Object event -EQ 'finished')
        foreach ($record in $finished) { @($lines | Where-Object { $_ -eq $record.key }).Count | Should -Be 1 -Because "$($record.key) finished: it ran exactly once" }
        # A firing interrupted before its work was queued never ran (a run interrupted later may have run, once).
        foreach ($record in $records | Where-Object { $_.event -eq 'interrupted' -and -not $_.runId }) { $lines | Should -Not -Contain $record.key }
        $finished.Count | Should -BeGreaterThan 0
    }
}

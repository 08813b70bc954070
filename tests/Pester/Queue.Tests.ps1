#Requires -Version 7.4
# Queued runs through the real daemon: lanes, durability across SIGKILL, drain on stop, and a crash storm.

BeforeDiscovery {
    $script:OnLinux = $IsLinux
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment



    function Get-Outcomes([string] $Workspace) {
        # runId -> last terminal event of the workspace's ledger
        $outcomes = @{}
        $ledger = Join-Path $Workspace 'tasks' 'runs.jsonl'
        if (-not (Test-Path $ledger)) { return $outcomes }
        foreach ($line in Get-Content $ledger) {
            $record = $line | ConvertFrom-Json -ErrorAction Stop   # every line parses
            if ($record.event -in 'finished', 'failed', 'interrupted', 'canceled') { $outcomes[$record.runId] = $record.event }
        }
        return $outcomes
    }
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Queued runs' -Skip:(-not $script:OnLinux) {
    BeforeEach {
        $script:TestHome = New-TestHome
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It 'refuses to queue when no daemon runs' {
        $ws = New-TestWorkspace
        $task = New-MsgcodeTask -Title 't' -Prompt 'true' -Runner shell -Workspace $ws
        $task | Invoke-MsgcodeTask -Queue -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'DaemonNotRunning,*'
        (Get-MsgcodeTask -Id $task.Id -Workspace $ws).Status | Should -Be 'open'
    }

    It "passes on the daemon's refusal with its own ErrorId, not as a connection failure" {
        $ws = New-TestWorkspace
        $task = New-MsgcodeTask -Title 't' -Prompt 'true' -Runner shell -Workspace $ws
        $null = Start-MsgcodeDaemon
        Remove-Item (Join-Path $ws 'tasks' "$($task.Id).json"), (Join-Path $ws 'tasks' "$($task.Id).md")
        $task | Invoke-MsgcodeTask -Queue -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskNotFound,*'
        # The cmdlet finds the task missing before it asks: ask the daemon itself, over the control socket.
        $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Msgcode.Core' } | Select-Object -First 1 # loaded in the module's own load context
        $msgHome = $core.GetType('Msgcode.Core.Config.MsgcodeHome')::Resolve()
        $pipeline = $core.GetType('Msgcode.Core.Daemon.DaemonController')::new($msgHome).OpenQueuePipeline([Threading.CancellationToken]::None)
        try {
            $replies = @($pipeline.Submit($ws, $task.Id, $null)) + @($pipeline.Complete())
        }
        finally { $pipeline.Dispose() }
        $replies.Count | Should -Be 1
        $replies[0].Run | Should -BeNullOrEmpty
        $replies[0].Error.ErrorId | Should -Be 'TaskNotFound' -Because "the daemon's refusal keeps its id (it used to arrive as DaemonNotRunning)"
        (Get-MsgcodeDaemon).Running | Should -BeTrue
    }

    It 'returns at once with a queued run, runs serially per workspace, and shows lanes while busy' {
        $null = Start-MsgcodeDaemon
        $ws1 = New-TestWorkspace
        $ws2 = New-TestWorkspace
        $trace = Join-Path $ws1 'trace.txt'
        $tasks = 1..4 | ForEach-Object { New-MsgcodeTask -Title "a$_" -Runner shell -Workspace $ws1 -Prompt "echo start >> '$trace'; sleep 0.4; echo end >> '$trace'" }
        $tasks += 1..2 | ForEach-Object { New-MsgcodeTask -Title "b$_" -Runner shell -Workspace $ws2 -Prompt 'sleep 0.2' }
        $queued = $tasks | Invoke-MsgcodeTask -Queue
        $queued.Status | Sort-Object -Unique | Should -Be 'queued'
        $queued.Count | Should -Be 6
        $busy = Get-MsgcodeDaemon
        $busy.QueueDepth + $busy.RunningCount | Should -BeGreaterThan 0
        $busy.Lanes.Workspace | Should -Contain $ws1
        Wait-Until { (Get-Outcomes $ws1).Count -eq 4 -and (Get-Outcomes $ws2).Count -eq 2 } | Should -BeTrue
        Get-Content $trace | Should -Be @('start', 'end', 'start', 'end', 'start', 'end', 'start', 'end') -Because 'one workspace is one lane'
        (Get-MsgcodeTask -Workspace $ws1).Status | Sort-Object -Unique | Should -Be 'done'
        (Get-MsgcodeTaskRun -Workspace $ws1).Status | Sort-Object -Unique | Should -Be 'succeeded'
    }

    It 'runs isolated runs of one workspace side by side, while its runs in the workspace itself never overlap' {
        $env:MSGCODE_DAEMON_MAX_CONCURRENT_RUNS = '8'
        $env:MSGCODE_WORKTREE_MAX_PARALLEL_RUNS = '4'
        try { $null = Start-MsgcodeDaemon }
        finally { $env:MSGCODE_DAEMON_MAX_CONCURRENT_RUNS = $null; $env:MSGCODE_WORKTREE_MAX_PARALLEL_RUNS = $null }
        $ws = New-TestWorkspace
        $git = (Get-Command git -CommandType Application | Select-Object -First 1).Source
        $env:GIT_CONFIG_NOSYSTEM = '1'
        & $git -C $ws init -q; Set-Content (Join-Path $ws 'a.txt') 'a'
        & $git -C $ws add -A; & $git -C $ws -c user.name=t -c user.email=t@example.com commit -q -m first
        $trace = Join-Path $TestDrive "trace-$([guid]::NewGuid().ToString('N'))"
        $isolated = 1..4 | ForEach-Object { New-MsgcodeTask -Title "iso$_" -Runner shell -Workspace $ws -Prompt "echo iso > iso.txt; sleep 2" }
        $plain = 1..3 | ForEach-Object { New-MsgcodeTask -Title "plain$_" -Runner shell -Workspace $ws -Prompt "echo start >> '$trace'; sleep 0.5; echo end >> '$trace'" }
        $queued = @($isolated | Invoke-MsgcodeTask -Queue -Worktree) + @($plain | Invoke-MsgcodeTask -Queue)
        $queued.Count | Should -Be 7
        Wait-Until { (Get-Outcomes $ws).Count -eq 7 } -TimeoutSec 90 | Should -BeTrue
        $runs = Get-MsgcodeTaskRun -Workspace $ws
        $runs.Status | Sort-Object -Unique | Should -Be 'succeeded'
        $iso = $runs | Where-Object TaskId -In $isolated.Id
        $latestStart = ($iso.StartedAt | Measure-Object -Maximum).Maximum
        $earliestEnd = ($iso | ForEach-Object { $_.StartedAt.AddSeconds($_.DurationSeconds) } | Measure-Object -Minimum).Minimum
        $latestStart | Should -BeLessThan $earliestEnd -Because 'all four isolated runs were running at one moment'
        Get-Content $trace | Should -Be @('start', 'end', 'start', 'end', 'start', 'end') -Because 'runs in the workspace itself are one lane'
    }

    It 'runs a task queued again right behind itself: a run ends before its task starts again, while the lane moves on' {
        # A lane starts its next run while the last one's bookkeeping completes; the same task must wait for it.
        $null = Start-MsgcodeDaemon
        $ws = New-TestWorkspace
        $trace = Join-Path $ws 'trace.txt'
        $again = New-MsgcodeTask -Title 'again' -Runner shell -Workspace $ws -Prompt "echo run >> '$trace'; exit 3"
        $other = New-MsgcodeTask -Title 'other' -Runner shell -Workspace $ws -Prompt 'true'
        $queued = @($again, $again, $other, $again, $again) | Invoke-MsgcodeTask -Queue
        $queued.Count | Should -Be 5
        Wait-Until { (Get-Outcomes $ws).Count -eq 5 } | Should -BeTrue
        @(Get-Content $trace).Count | Should -Be 4 -Because 'every queued run of the task ran'
        $runs = Get-MsgcodeTaskRun -Workspace $ws
        ($runs | Where-Object TaskId -EQ $again.Id).ErrorCode | Sort-Object -Unique | Should -Be 'RunnerFailed' -Because 'none met its own task still running'
        $runs.RunId | Should -Be $queued.RunId[4..0] -Because 'runs end in the order they were queued (newest first here)'
        Wait-Until { (Get-MsgcodeTask -Id $again.Id -Workspace $ws).Status -eq 'blocked' } | Should -BeTrue
        (Get-MsgcodeTask -Id $other.Id -Workspace $ws).Status | Should -Be 'done'
    }

    It 'keeps -Force: a done task queued again with -Force runs again, and without it is refused with TaskTransitionInvalid' {
        $null = Start-MsgcodeDaemon
        $ws = New-TestWorkspace
        $trace = Join-Path $ws 'trace.txt'
        $task = New-MsgcodeTask -Title 'twice' -Runner shell -Workspace $ws -Prompt "echo ran >> '$trace'"
        ($task | Invoke-MsgcodeTask).Status | Should -Be 'succeeded'
        $refused = Invoke-MsgcodeTask $task.Id -Workspace $ws -Queue | Wait-MsgcodeTask -Timeout 30
        $refused.ErrorCode | Should -Be 'TaskTransitionInvalid'
        $again = Invoke-MsgcodeTask $task.Id -Workspace $ws -Queue -Force | Wait-MsgcodeTask -Timeout 30
        $again.Status | Should -Be 'succeeded' -Because 'the daemon got -Force with the run'
        @(Get-Content $trace).Count | Should -Be 2
    }

    It 'runs a runner added to capabilities.json while it is up, without a restart' {
        $null = Start-MsgcodeDaemon
        $ws = New-TestWorkspace
        @{ version = 1; runners = @(@{ kind = 'echo-added'; description = 'echo, added later'; risk = 'low'
            command = @{ executable = 'echo'; arguments = @('{prompt}'); prompt = 'argument'; result = @{ from = 'stdout' } } }) } |
            ConvertTo-Json -Depth 6 | Set-Content (Join-Path $script:TestHome 'capabilities.json')
        $task = New-MsgcodeTask -Title 'added' -Prompt 'hello from a new runner' -Runner echo-added -Workspace $ws
        $run = $task | Invoke-MsgcodeTask -Queue
        Wait-Until { (Get-Outcomes $ws)[$run.RunId] } | Should -BeTrue
        (Get-Outcomes $ws)[$run.RunId] | Should -Be 'finished'
        (Get-MsgcodeTaskRun -Workspace $ws -Last 1).Preview | Should -Be 'hello from a new runner'
    }

    It 'survives SIGKILL: queued runs run once after the restart, the one in progress is interrupted, done ones never rerun' {
        $null = Start-MsgcodeDaemon
        $ws = New-TestWorkspace
        $marks = Join-Path $ws 'marks.txt'
        $tasks = 1..5 | ForEach-Object { New-MsgcodeTask -Title "slow $_" -Runner shell -Workspace $ws -Prompt "echo `$MSGCODE_RUNID >> '$marks'; sleep 1" }
        $queued = $tasks | Invoke-MsgcodeTask -Queue
        Wait-Until { (Test-Path $marks) -and @(Get-Content $marks).Count -ge 2 } | Should -BeTrue
        $daemon = Get-MsgcodeDaemon
        & kill -9 $daemon.Pid
        Wait-Until { -not (Test-Path "/proc/$($daemon.Pid)") } | Should -BeTrue
        (Get-MsgcodeDaemon).Status | Should -Be 'not running (stale pidfile)'
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-Outcomes $ws).Count -eq 5 } -TimeoutSec 40 | Should -BeTrue
        $outcomes = Get-Outcomes $ws
        $outcomes.Values | Where-Object { $_ -eq 'interrupted' } | Should -HaveCount 1
        $outcomes.Values | Where-Object { $_ -eq 'finished' } | Should -HaveCount 4
        $lines = @(Get-Content $marks)
        foreach ($run in $queued) {
            $count = @($lines | Where-Object { $_ -eq $run.RunId }).Count
            if ($outcomes[$run.RunId] -eq 'finished') { $count | Should -Be 1 -Because "$($run.RunId) finished: exactly once" }
            else { $count | Should -BeLessOrEqual 1 }
        }
        (Get-MsgcodeTask -Workspace $ws).Status | Should -Not -Contain 'running'
        (Get-MsgcodeLog -Tail 200).Message | Should -Contain 'run interrupted by a crash'
    }

    It 'resumes after a crash past a torn and a malformed ledger line, reporting the malformed one with its line' {
        $null = Start-MsgcodeDaemon
        $ws = New-TestWorkspace
        $tasks = 1..3 | ForEach-Object { New-MsgcodeTask -Title "t$_" -Runner shell -Workspace $ws -Prompt 'sleep 1' }
        $queued = $tasks | Invoke-MsgcodeTask -Queue
        $ledger = Join-Path $ws 'tasks' 'runs.jsonl'
        Wait-Until { (Get-Content $ledger -Raw) -match '"event":"started"' } | Should -BeTrue
        $daemon = Get-MsgcodeDaemon
        & kill -9 $daemon.Pid
        Wait-Until { -not (Test-Path "/proc/$($daemon.Pid)") } | Should -BeTrue
        Add-Content $ledger 'this line is not json'
        Add-Content $ledger '{"runId":"run_torn","event":"sta' -NoNewline
        $malformedLine = @(Get-Content $ledger).Count - 1
        # A queue entry edited by hand into one without a usable workspace: skipped and reported, never the end of the start.
        Add-Content (Join-Path $script:TestHome 'queue.jsonl') '{"op":"queued","runId":"run_handmade","workspace":"","taskId":"tsk_x","tsMs":1}'
        $null = Start-MsgcodeDaemon
        Wait-Until { $finished = @(Get-Content $ledger | Where-Object { $_ -match '"event":"(finished|interrupted)"' }).Count; $finished -ge 3 } -TimeoutSec 30 | Should -BeTrue
        $lines = @(Get-Content $ledger)
        $lines | Should -Contain '{"runId":"run_torn","event":"sta' -Because 'the torn fragment was fenced off by a newline, not glued to the next record'
        $lines | Where-Object { $_ -ne 'this line is not json' -and $_ -ne '{"runId":"run_torn","event":"sta' } | ForEach-Object { { $_ | ConvertFrom-Json -ErrorAction Stop } | Should -Not -Throw }
        $problem = Get-MsgcodeLog -Tail 200 | Where-Object Message -EQ 'ledger problem' | Select-Object -First 1
        $problem.Fields.path | Should -Be $ledger
        $problem.Fields.line | Should -Be $malformedLine
        (Get-MsgcodeLog -Tail 200 | Where-Object Message -EQ 'queue entry without a usable workspace skipped').Fields.runId | Should -Be 'run_handmade'
    }

    It 'drains on stop: a run that outlives the budget is interrupted, none is left running' {
        Set-MsgcodeConfig -Name daemon.stopTimeoutSec -Value 1
        $null = Start-MsgcodeDaemon
        $ws = New-TestWorkspace
        $task = New-MsgcodeTask -Title 'long' -Runner shell -Prompt 'sleep 30' -Workspace $ws
        $run = $task | Invoke-MsgcodeTask -Queue
        Wait-Until { (Get-MsgcodeTask -Id $task.Id -Workspace $ws).Status -eq 'running' } | Should -BeTrue
        $stopped = Stop-MsgcodeDaemon -PassThru
        $stopped.Outcome | Should -Be 'stopped'
        (Get-Outcomes $ws)[$run.RunId] | Should -Be 'interrupted'
        (Get-MsgcodeTask -Id $task.Id -Workspace $ws).Status | Should -Be 'open'
    }

    It 'runners die with a SIGKILLed daemon: through 10 kills during 300 queued runs, no run''s work goes on while its daemon is dead, none runs twice' -Skip:(-not $IsLinux) {
        # Each task appends a start line, works, then a finish line, from its own shell, each stamped in milliseconds.
        # While the daemon is dead (from its SIGKILL until the next start) no finish line may be written: a runner that
        # outlived its daemon would write one. A run's work is done at most once: one start line at most per task.
        $workspaces = 1..3 | ForEach-Object { New-TestWorkspace }
        $marks = Join-Path $TestDrive "lifelines-$([guid]::NewGuid()).txt"
        $prompt = "echo `"start `$MSGCODE_TASKID `$(date +%s%3N)`" >> '$marks'; sleep 0.15; echo `"finish `$MSGCODE_TASKID `$(date +%s%3N)`" >> '$marks'"
        $tasks = foreach ($ws in $workspaces) {
            1..100 | ForEach-Object { [pscustomobject]@{ Title = "life $_"; Prompt = $prompt } } | New-MsgcodeTask -Runner shell -Workspace $ws
        }
        $null = Start-MsgcodeDaemon
        $queued = $tasks | Invoke-MsgcodeTask -Queue
        $queued.Count | Should -Be 300
        $random = [Random]::new(20261203)
        $dead = [Collections.Generic.List[object]]::new()
        for ($kill = 1; $kill -le 10; $kill++) {
            Start-Sleep -Milliseconds ($random.Next(300, 1500))
            $daemon = Get-MsgcodeDaemon
            if ($daemon.Running) {
                $killedAt = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
                & kill -9 $daemon.Pid
                $null = Wait-Until { -not (Test-Path "/proc/$($daemon.Pid)") } -TimeoutSec 5
                Start-Sleep -Milliseconds ($random.Next(200, 500))   # the daemon stays dead a while: an orphan would finish now
                $dead.Add([pscustomobject]@{ From = $killedAt; To = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() })
            }
            $null = Start-MsgcodeDaemon -WarningAction SilentlyContinue
        }
        Wait-Until { ($workspaces | ForEach-Object { (Get-Outcomes $_).Count } | Measure-Object -Sum).Sum -eq 300 } -TimeoutSec 180 | Should -BeTrue
        $outcomes = @{}
        foreach ($ws in $workspaces) { (Get-Outcomes $ws).GetEnumerator() | ForEach-Object { $outcomes[$_.Key] = $_.Value } }
        $lines = @(Get-Content $marks | ForEach-Object { $kind, $task, $ms = $_ -split ' '; [pscustomobject]@{ Kind = $kind; Task = $task; Ms = [long]$ms } })
        @($queued | Where-Object { $outcomes[$_.RunId] -eq 'interrupted' }).Count | Should -BeGreaterThan 0 -Because 'the kills must land while runs are in progress for this test to mean anything'
        foreach ($run in $queued) {
            $starts = @($lines | Where-Object { $_.Kind -eq 'start' -and $_.Task -eq $run.TaskId })
            $finishes = @($lines | Where-Object { $_.Kind -eq 'finish' -and $_.Task -eq $run.TaskId })
            $starts.Count | Should -BeLessOrEqual 1 -Because "$($run.TaskId) must never run twice"
            $finishes.Count | Should -BeLessOrEqual 1
            if ($outcomes[$run.RunId] -eq 'finished') { $finishes.Count | Should -Be 1 -Because "$($run.TaskId) succeeded: exactly one finish" }
        }
        foreach ($finish in $lines | Where-Object Kind -EQ 'finish') {
            # 50 ms for the guardian to act after the kill.
            $during = @($dead | Where-Object { $finish.Ms -gt $_.From + 50 -and $finish.Ms -lt $_.To })
            $during | Should -BeNullOrEmpty -Because "$($finish.Task) finished at $($finish.Ms), while its daemon was dead"
        }
        $left = Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$' | Where-Object { (Get-Content "$($_.FullName)/cmdline" -Raw -ErrorAction SilentlyContinue) -match "sleep.0\.15" }
        $left | Should -BeNullOrEmpty -Because 'no runner process outlives its run'
    }

    It 'loses no run and repeats no finished run through 30 SIGKILLs during 300 queued runs' {
        $workspaces = 1..3 | ForEach-Object { New-TestWorkspace }
        $marks = Join-Path $TestDrive "storm-$([guid]::NewGuid()).txt"
        $tasks = foreach ($ws in $workspaces) {
            1..100 | ForEach-Object { [pscustomobject]@{ Title = "storm $_"; Prompt = "echo `$MSGCODE_RUNID >> '$marks'" } } | New-MsgcodeTask -Runner shell -Workspace $ws
        }
        $null = Start-MsgcodeDaemon
        $queued = $tasks | Invoke-MsgcodeTask -Queue
        $queued.Count | Should -Be 300
        $random = [Random]::new(20261124)
        for ($kill = 1; $kill -le 30; $kill++) {
            Start-Sleep -Milliseconds ($random.Next(50, 400))
            $daemon = Get-MsgcodeDaemon
            if ($daemon.Running) {
                & kill -9 $daemon.Pid
                $null = Wait-Until { -not (Test-Path "/proc/$($daemon.Pid)") } -TimeoutSec 5
            }
            $null = Start-MsgcodeDaemon -WarningAction SilentlyContinue
        }
        Wait-Until { ($workspaces | ForEach-Object { (Get-Outcomes $_).Count } | Measure-Object -Sum).Sum -eq 300 } -TimeoutSec 120 | Should -BeTrue
        $outcomes = @{}
        foreach ($ws in $workspaces) { (Get-Outcomes $ws).GetEnumerator() | ForEach-Object { $outcomes[$_.Key] = $_.Value } }
        $queued.RunId | ForEach-Object { $outcomes.ContainsKey($_) | Should -BeTrue -Because "queued run $_ must end with an outcome" }
        $lines = @(Get-Content $marks)
        $finished = @($queued | Where-Object { $outcomes[$_.RunId] -eq 'finished' })
        $finished.Count | Should -BeGreaterThan 200
        foreach ($run in $queued) {
            $count = @($lines | Where-Object { $_ -eq $run.RunId }).Count
            if ($outcomes[$run.RunId] -eq 'finished') { $count | Should -Be 1 -Because "$($run.RunId) finished: exactly once" }
            else { $count | Should -BeLessOrEqual 1 -Because "$($run.RunId) was interrupted, never rerun" }
        }
        foreach ($ws in $workspaces) { (Get-MsgcodeTask -Workspace $ws).Status | Should -Not -Contain 'running' }
    }
}

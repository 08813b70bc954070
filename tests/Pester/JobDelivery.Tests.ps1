#Requires -Version 7.4
# Jobs that send their results to a chat, and exactly-once sending of results (job deliveries and chat replies)
# across a SIGKILL of the daemon at the moment of sending: the real daemon against the stand-in imsg, which
# records every send and answers chats.list and messages.history with the sends as messages from this side.

BeforeDiscovery {
    # The stand-in imsg is a python3 script; without python3 the daemon tests are skipped, not failed.
    $script:CanStandIn = $IsLinux -and [bool](Get-Command python3 -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:Chat = 'iMessage;+;chat0e2e0001'

    function Initialize-Delivery {
        # A home with the stand-in imsg, the chat bound to a fresh workspace (shell runner), and no acknowledgements.
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
        $script:Imsg = New-StandInImsg
        Set-MsgcodeConfig imsg.path (Join-Path $script:Imsg 'imsg')
        Set-MsgcodeConfig whitelist.emails 'owner@example.com'
        Set-MsgcodeConfig workspace.root $TestDrive
        Set-MsgcodeConfig channel.ackDelayMs -1
        Set-MsgcodeRoute $script:Chat $script:Ws -Runner shell
    }

    function Get-TaskJson([string] $TaskId) {
        Get-Content (Join-Path $script:Ws 'tasks' "$TaskId.json") -Raw | ConvertFrom-Json
    }

    function Start-DaemonKilledAt([string] $Stage) {
        # Starts the daemon with the test hook that makes it SIGKILL itself at that step of its first result's send.
        $env:MSGCODE_TEST_REPLY_KILL_AT = $Stage
        try { $daemon = Start-MsgcodeDaemon -PassThru }
        finally { Remove-Item Env:MSGCODE_TEST_REPLY_KILL_AT }
        Wait-Until { -not (Test-Path "/proc/$($daemon.Pid)") } -TimeoutSec 60 | Should -BeTrue -Because "the daemon kills itself at the '$Stage' step of its first send"
    }
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Job delivery settings' {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
        Set-MsgcodeRoute $script:Chat $script:Ws -Runner shell
    }

    It 'delivers to a chat named as Get-MsgcodeRoute names it, stores it in jobs.json, shows it, changes it and turns it off' {
        $job = New-MsgcodeJob -Name report -Cron '0 9 * * *' -TimeZone UTC -Workspace $script:Ws -Runner shell -Title report -Prompt 'date' -DeliverTo '0e2e0001'
        $job.Delivery | Should -Be 'chat'
        $job.DeliverTo | Should -Be $script:Chat -Because 'the last 8 characters of the chat id name the bound chat'
        $job.DeliverOn | Should -Be 'answer'
        $stored = (Get-Content (Join-Path $script:TestHome 'jobs.json') -Raw | ConvertFrom-Json).jobs[0].delivery
        $stored.mode | Should -Be 'chat'
        $stored.chatGuid | Should -Be $script:Chat
        $stored.on | Should -Be 'answer'
        ($job | Format-List | Out-String) | Should -Match 'DeliverTo\s*:\s*iMessage;\+;chat0e2e0001'

        # A field this version does not know survives a change.
        $path = Join-Path $script:TestHome 'jobs.json'
        [IO.File]::WriteAllText($path, ((Get-Content $path -Raw) -replace '"on": "answer"', '"on": "answer", "quietHours": "22-7"'))
        (Set-MsgcodeJob report -DeliverOn Failure -PassThru).DeliverOn | Should -Be 'failure'
        $stored = (Get-Content $path -Raw | ConvertFrom-Json).jobs[0].delivery
        $stored.on | Should -Be 'failure'
        $stored.quietHours | Should -Be '22-7'

        $off = Set-MsgcodeJob report -DeliverTo '' -PassThru
        $off.Delivery | Should -Be 'none'
        $off.DeliverTo | Should -BeNullOrEmpty
        (Get-Content $path -Raw | ConvertFrom-Json).jobs[0].delivery.mode | Should -Be 'none'
        (Set-MsgcodeJob report -DeliverTo $script:Chat -PassThru).DeliverOn | Should -Be 'answer'

        # A job piped into New-MsgcodeJob keeps its delivery.
        $copy = Get-MsgcodeJob report | New-MsgcodeJob -Name copy
        $copy.DeliverTo | Should -Be $script:Chat
    }

    It 'refuses a chat without an active route and contradictory delivery options, each with its ErrorId' {
        $common = @{ Cron = '0 9 * * *'; TimeZone = 'UTC'; Workspace = $script:Ws; Runner = 'shell'; Title = 't'; ErrorAction = 'SilentlyContinue' }
        New-MsgcodeJob -Name a @common -DeliverTo 'iMessage;+;nobody' -ErrorVariable e1
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'RouteNotFound,*'
        $e1[0].TargetObject | Should -Be 'iMessage;+;nobody'
        New-MsgcodeJob -Name a @common -DeliverOn Failure -ErrorVariable e2
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'JobDeliveryInvalid,*'
        { New-MsgcodeJob -Name a @common -DeliverTo 'chat0e2e0001' -DeliverOn Sometimes } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,*'
        $null = New-MsgcodeJob -Name a @common
        Set-MsgcodeJob a -DeliverOn Failure -ErrorAction SilentlyContinue -ErrorVariable e4
        $e4[0].FullyQualifiedErrorId | Should -BeLike 'JobDeliveryInvalid,*' -Because 'a job that delivers nowhere has no "when"'
        Set-MsgcodeJob a -DeliverTo '' -DeliverOn Failure -ErrorAction SilentlyContinue -ErrorVariable e5
        $e5[0].FullyQualifiedErrorId | Should -BeLike 'JobDeliveryInvalid,*'
        Set-MsgcodeRoute $script:Chat -Status paused
        Set-MsgcodeJob a -DeliverTo $script:Chat -ErrorAction SilentlyContinue -ErrorVariable e6
        $e6[0].FullyQualifiedErrorId | Should -BeLike 'RouteNotFound,*' -Because 'a paused route takes no deliveries'
        Remove-MsgcodeRoute $script:Chat
        New-MsgcodeJob -Name b @common -DeliverTo $script:Chat -ErrorVariable e7
        $e7[0].FullyQualifiedErrorId | Should -BeLike 'RouteNotFound,*' -Because 'nor does an archived one'
        (Get-MsgcodeJob a).Delivery | Should -Be 'none'
        @(Get-MsgcodeJob).Count | Should -Be 1
    }
}

Describe 'Jobs deliver, exactly once (real daemon, stand-in imsg)' -Skip:(-not $script:CanStandIn) {
    BeforeEach {
        Initialize-Delivery
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It 'sends each firing''s result to the chat once' {
        $null = New-MsgcodeJob -Name report -Every '00:00:01' -Workspace $script:Ws -Runner shell -Title 'report {{key}}' -Prompt "echo 'report {{key}}'" -DeliverTo $script:Chat
        $null = Start-MsgcodeDaemon
        Wait-Until { @(Get-MsgcodeJobRun report | Where-Object Status -EQ 'succeeded').Count -ge 3 } -TimeoutSec 60 | Should -BeTrue
        Disable-MsgcodeJob report
        Wait-Until { -not (Get-MsgcodeJobRun report | Where-Object Status -In 'queued', 'pending') } -TimeoutSec 30 | Should -BeTrue
        $runs = @(Get-MsgcodeJobRun report | Where-Object Status -EQ 'succeeded')
        Wait-Until { @($runs | Where-Object { (Get-SentCount $script:Imsg ([regex]::Escape($_.Key))) -eq 0 }).Count -eq 0 } -TimeoutSec 30 | Should -BeTrue
        Start-Sleep -Milliseconds 800   # room for a duplicate to show up, if there were one
        foreach ($run in $runs) {
            $texts = @(Get-SentText $script:Imsg ([regex]::Escape($run.Key)))
            $texts.Count | Should -Be 1 -Because "firing $($run.Key) is sent once"
            $texts[0] | Should -Be "[report] report $($run.Key)"
            $task = Get-TaskJson $run.TaskId
            $task.delivery.chatGuid | Should -Be $script:Chat
            $task.delivery.jobName | Should -Be 'report'
            $task.route.repliedRunId | Should -Be $run.RunId
            $task.reply.runId | Should -Be $run.RunId
        }
        (Get-Sends $script:Imsg).chat_guid | Sort-Object -Unique | Should -Be $script:Chat
    }

    It 'sends a firing''s result exactly once across a SIGKILL at the moment of sending (<Stage>)' -ForEach @(
        @{ Stage = 'sending'; SentAtKill = 0 }
        @{ Stage = 'sent'; SentAtKill = 1 }
    ) {
        $null = New-MsgcodeJob -Name once -At (Get-Date).AddSeconds(2) -Workspace $script:Ws -Runner shell -Title once -Prompt "echo 'once {{key}}'" -DeliverTo $script:Chat
        Start-DaemonKilledAt $Stage
        Get-SentCount $script:Imsg '^\[once\]' | Should -Be $SentAtKill -Because "the kill came $(if ($SentAtKill) { 'after' } else { 'before' }) imsg took the send"
        $run = Get-MsgcodeJobRun once
        (Get-TaskJson $run.TaskId).reply.runId | Should -Not -BeNullOrEmpty -Because 'the mark is durable before the send'

        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-MsgcodeJobRun once).Status -eq 'succeeded' } -TimeoutSec 30 | Should -BeTrue
        $run = Get-MsgcodeJobRun once
        Wait-Until { (Get-TaskJson $run.TaskId).route.repliedRunId -eq $run.RunId } -TimeoutSec 30 | Should -BeTrue
        Start-Sleep -Milliseconds 800
        Get-SentCount $script:Imsg '^\[once\]' | Should -Be 1 -Because 'one firing, one message'
        (Get-SentText $script:Imsg '^\[once\]') | Should -Be "[once] once $($run.Key)"
        # The unconfirmed send is looked for before it is made again: the chat among imsg's chats (with 'sending' it has
        # no message at all, so it is not there and nothing more is asked), then its messages since the mark.
        $methods = @(Get-Content (Join-Path $script:Imsg 'requests.jsonl') | ForEach-Object { ($_ | ConvertFrom-Json).method })
        $methods | Should -Contain 'chats.list'
        @($methods | Where-Object { $_ -eq 'messages.history' }).Count | Should -Be $SentAtKill
        $found = @(Get-Content (Join-Path $script:TestHome 'log' 'msgcode.log') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object msg -EQ 'result found sent before a restart')
        $found.Count | Should -Be $SentAtKill
    }

    It 'sends only failures when asked: nothing for a success, one message for a failure' {
        $null = New-MsgcodeJob -Name fine -At (Get-Date).AddSeconds(2) -Workspace $script:Ws -Runner shell -Title fine -Prompt "echo 'all fine'" -DeliverTo $script:Chat -DeliverOn Failure
        $null = New-MsgcodeJob -Name broken -At (Get-Date).AddSeconds(2) -Workspace $script:Ws -Runner shell -Title broken -Prompt "echo 'it broke'; exit 3" -DeliverTo $script:Chat -DeliverOn Failure
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-MsgcodeJobRun fine).Status -eq 'succeeded' -and (Get-MsgcodeJobRun broken).Status -eq 'failed' } -TimeoutSec 60 | Should -BeTrue
        Wait-Until { (Get-SentCount $script:Imsg '^\[broken\]') -ge 1 } -TimeoutSec 30 | Should -BeTrue
        Start-Sleep -Seconds 1
        Get-SentCount $script:Imsg '^\[broken\]' | Should -Be 1
        (Get-SentText $script:Imsg '^\[broken\]') | Should -Match 'failed'
        Get-SentCount $script:Imsg '^\[fine\]' | Should -Be 0 -Because 'a success is not sent when only failures are'
        @(Get-Sends $script:Imsg).Count | Should -Be 1
    }

    It 'fails the firing with RouteNotFound when the chat''s route is gone when it fires, keeps the result, and sends nothing' {
        $null = New-MsgcodeJob -Name orphan -At (Get-Date).AddSeconds(2) -Workspace $script:Ws -Runner shell -Title orphan -Prompt "echo 'kept result'" -DeliverTo $script:Chat
        (Test-MsgcodeDoctor -Detailed -Category jobs | Where-Object Name -EQ 'deliveries').Status | Should -Be 'pass'
        Remove-MsgcodeRoute $script:Chat
        $check = Test-MsgcodeDoctor -Detailed -Category jobs | Where-Object Name -EQ 'deliveries'
        $check.Status | Should -Be 'warn'
        $check.Message | Should -Match 'orphan'
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-MsgcodeJobRun orphan).Status -eq 'failed' } -TimeoutSec 60 | Should -BeTrue
        $run = Get-MsgcodeJobRun orphan
        $run.ErrorCode | Should -Be 'RouteNotFound'
        $run.ErrorMessage | Should -Match 'keeps its result'
        (Get-MsgcodeJob orphan).LastErrorCode | Should -Be 'RouteNotFound'
        $record = Get-Content (Join-Path $script:TestHome 'jobs' 'runs.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object event -EQ 'failed'
        $record.errorCode | Should -Be 'RouteNotFound'
        $task = Get-MsgcodeTask -Id $run.TaskId -Workspace $script:Ws
        $task.Status | Should -Be 'done' -Because 'the task ran; only its delivery failed'
        (Get-TaskJson $run.TaskId).delivery.errorId | Should -Be 'RouteNotFound'
        $output = (Get-TaskJson $run.TaskId).outputs.artifacts | Where-Object { $_ -like '*output.txt' } | Select-Object -First 1
        $output = if ([IO.Path]::IsPathRooted($output)) { $output } else { Join-Path $script:Ws $output }
        Get-Content $output -Raw | Should -Match 'kept result'
        Start-Sleep -Seconds 1
        @(Get-Sends $script:Imsg).Count | Should -Be 0
    }

    It 'answers a chat message exactly once across a SIGKILL at the moment of sending (<Stage>)' -ForEach @(
        @{ Stage = 'sending'; SentAtKill = 0 }
        @{ Stage = 'sent'; SentAtKill = 1 }
    ) {
        Add-ChatMessage $script:Imsg 1 'echo answer-1'
        Start-DaemonKilledAt $Stage
        Get-SentCount $script:Imsg '^answer-1$' | Should -Be $SentAtKill
        $null = Start-MsgcodeDaemon
        $task = Get-MsgcodeTask -Workspace $script:Ws
        Wait-Until { (Get-TaskJson $task.Id).route.repliedRunId } -TimeoutSec 30 | Should -BeTrue
        Start-Sleep -Milliseconds 800
        Get-SentCount $script:Imsg '^answer-1$' | Should -Be 1 -Because 'one message, one answer'
        $methods = @(Get-Content (Join-Path $script:Imsg 'requests.jsonl') | ForEach-Object { ($_ | ConvertFrom-Json).method })
        $methods | Should -Contain 'messages.history' -Because 'the chat has a message, so its history is read for the unconfirmed answer'
        $json = Get-TaskJson $task.Id
        $json.reply.runId | Should -Be $json.route.repliedRunId
        $json.reply.chatGuid | Should -Be $script:Chat
        @(Get-MsgcodeTask -Workspace $script:Ws).Count | Should -Be 1
    }
}

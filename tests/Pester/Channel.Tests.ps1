#Requires -Version 7.4
# The iMessage channel: routes (cmdlets), and end to end through the real daemon against a stand-in imsg
# that speaks the imsg rpc protocol (newline-delimited JSON-RPC 2.0 over stdio).

BeforeDiscovery {
    $script:OnLinux = $IsLinux
    # The stand-in imsg is a python3 script; without python3 the end-to-end tests are skipped, not failed.
    $script:CanStandIn = $IsLinux -and [bool](Get-Command python3 -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment

    function Initialize-Channel([string] $ImsgDir, [long] $AckDelayMs = -1) {
        $root = Join-Path $TestDrive ('root-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $root | Out-Null
        Set-MsgcodeConfig imsg.path (Join-Path $ImsgDir 'imsg')
        Set-MsgcodeConfig whitelist.emails 'owner@example.com'
        Set-MsgcodeConfig workspace.root $root
        Set-MsgcodeConfig channel.ackDelayMs $AckDelayMs
        return $root
    }
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Chat routes' {
    BeforeEach {
        $script:TestHome = New-TestHome
    }

    It 'binds, lists, pauses and archives a route; the workspace is kept' {
        $ws = New-TestWorkspace
        $route = Set-MsgcodeRoute 'iMessage;+;chat0001aaaa' $ws -Runner shell -Label acme -PassThru
        $route.GetType().FullName | Should -Be 'Msgcode.Core.Channels.ChatRoute'
        $route.Status | Should -Be 'active'
        $route.Workspace | Should -Be $ws
        (Get-MsgcodeRoute).ChatGuid | Should -Be 'iMessage;+;chat0001aaaa'
        (Get-MsgcodeRoute 'chat0001aaaa').Label | Should -Be 'acme' -Because 'a chat is found by its normalized id'
        (Get-MsgcodeRoute '0001aaaa').Runner | Should -Be 'shell' -Because 'or by the last 8 characters of it'
        Set-MsgcodeRoute 'iMessage;+;chat0001aaaa' -Status paused
        (Get-MsgcodeRoute 'iMessage;+;chat0001aaaa').Status | Should -Be 'paused'
        (Get-MsgcodeRoute 'iMessage;+;chat0001aaaa').Workspace | Should -Be $ws
        Remove-MsgcodeRoute 'iMessage;+;chat0001aaaa' -WhatIf
        (Get-MsgcodeRoute 'iMessage;+;chat0001aaaa').Status | Should -Be 'paused'
        (Remove-MsgcodeRoute 'iMessage;+;chat0001aaaa' -PassThru).Status | Should -Be 'archived'
        @(Get-MsgcodeRoute).Count | Should -Be 0
        (Get-MsgcodeRoute -Status archived).ChatGuid | Should -Be 'iMessage;+;chat0001aaaa'
        Test-Path $ws | Should -BeTrue
        $json = Get-Content (Join-Path $TestHome 'routes.json') -Raw | ConvertFrom-Json
        $json.version | Should -Be 1
        $json.routes.'iMessage;+;chat0001aaaa'.workspacePath | Should -Be $ws
    }

    It 'reports a missing route, a missing workspace and a corrupt routes file' {
        Get-MsgcodeRoute 'nope' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RouteNotFound,*'
        Set-MsgcodeRoute 'c1' (Join-Path $TestDrive 'missing-folder') -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'WorkspaceNotFound,*'
        Set-MsgcodeRoute 'c1' -ErrorVariable e3 -ErrorAction SilentlyContinue
        $e3[0].FullyQualifiedErrorId | Should -BeLike 'RouteNotFound,*'
        Set-Content (Join-Path $TestHome 'routes.json') '{ not json'
        Get-MsgcodeRoute -ErrorVariable e4 -ErrorAction SilentlyContinue
        $e4[0].FullyQualifiedErrorId | Should -BeLike 'RoutesFileCorrupt,*'
        Set-MsgcodeRoute 'c1' (New-TestWorkspace) -ErrorAction SilentlyContinue
        Get-Content (Join-Path $TestHome 'routes.json') -Raw | Should -Match 'not json' -Because 'a corrupt file is never rewritten'
    }
}

Describe 'Messages in, tasks out (real daemon, stand-in imsg)' -Skip:(-not $script:CanStandIn) {
    BeforeEach {
        $script:TestHome = New-TestHome
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It 'binds a chat, answers every message exactly once across SIGKILL, rejects strangers, and logs no text' {
        $imsg = New-StandInImsg
        $root = Initialize-Channel $imsg
        $chat = 'iMessage;+;chat0e2e0001'
        Add-ChatMessage $imsg 1 '/bind proj shell'
        Add-ChatMessage $imsg 2 'echo answer-2'
        Add-ChatMessage $imsg 3 'echo leak-3' -Sender 'stranger@example.com'
        Add-ChatMessage $imsg 4 'echo mine-4' -FromMe
        Add-ChatMessage $imsg 5 'echo answer-5'
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-SentCount $imsg '^answer-5$') -ge 1 -and (Get-SentCount $imsg '^answer-2$') -ge 1 } -TimeoutSec 30 | Should -BeTrue
        $ws = Join-Path $root 'proj'
        (Get-MsgcodeRoute $chat).Workspace | Should -Be $ws
        (Get-Sends $imsg)[0].text | Should -BeLike 'Bound to proj*'
        (Get-Sends $imsg).chat_guid | Sort-Object -Unique | Should -Be $chat
        $routesBefore = Get-Content (Join-Path $TestHome 'routes.json') -Raw
        Add-MsgcodeMemory 'The release train leaves on Thursdays.' -Tag release -Workspace $ws
        $memoryBefore = Get-ChildItem (Join-Path $ws 'memory') -Filter '*.md' -File | ForEach-Object { "$($_.Name)=$((Get-FileHash $_.FullName).Hash)" }

        # Ten more messages, a SIGKILL in the middle of them, and a restart.
        6..15 | ForEach-Object { Add-ChatMessage $imsg $_ "echo answer-$_; sleep 0.3" }
        Wait-Until { (Get-SentCount $imsg '^answer-') -ge 5 } -TimeoutSec 30 | Should -BeTrue
        $daemon = Get-MsgcodeDaemon
        & kill -9 $daemon.Pid
        Wait-Until { -not (Test-Path "/proc/$($daemon.Pid)") } | Should -BeTrue
        $cursorAtKill = (Get-Content (Join-Path $TestHome 'state.json') -Raw | ConvertFrom-Json).chats.$chat.lastSeenRowid
        $null = Start-MsgcodeDaemon
        Wait-Until { @(@(2, 5) + 6..15 | Where-Object { (Get-SentCount $imsg "^answer-$_`$") -eq 0 }).Count -eq 0 } -TimeoutSec 45 | Should -BeTrue
        Start-Sleep -Milliseconds 800   # room for a duplicate to show up, if there were one

        $texts = @(Get-Sends $imsg | ForEach-Object text)
        foreach ($rowid in @(2, 5) + 6..15) {
            @($texts | Where-Object { $_ -eq "answer-$rowid" }).Count | Should -Be 1 -Because "message $rowid is answered exactly once"
        }
        @($texts | Where-Object { $_ -match 'leak|mine' }).Count | Should -Be 0 -Because 'a stranger gets nothing, and our own messages are not work'
        $tasks = @(Get-MsgcodeTask -Workspace $ws)
        $tasks.Count | Should -Be 12 -Because 'one task per whitelisted plain message, none for the stranger'
        $tasks.ChatGuid | Sort-Object -Unique | Should -Be $chat
        @($tasks | Where-Object Prompt -match 'leak').Count | Should -Be 0
        $cursor = (Get-Content (Join-Path $TestHome 'state.json') -Raw | ConvertFrom-Json).chats.$chat.lastSeenRowid
        $cursor | Should -Be 15
        $cursor | Should -BeGreaterOrEqual $cursorAtKill
        Get-Content (Join-Path $TestHome 'routes.json') -Raw | Should -Be $routesBefore
        Get-ChildItem (Join-Path $ws 'memory') -Filter '*.md' -File | ForEach-Object { "$($_.Name)=$((Get-FileHash $_.FullName).Hash)" } | Should -Be $memoryBefore
        (Search-MsgcodeMemory 'release train' -Workspace $ws).Text | Should -Be 'The release train leaves on Thursdays.'
        $requests = Get-Content (Join-Path $imsg 'requests.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object method -eq 'watch.subscribe'
        $requests[-1].params.since_rowid | Should -BeGreaterOrEqual $cursorAtKill -Because 'a restart subscribes from the highest cursor'

        # The log and the ledgers hold no message text.
        $files = @(Get-ChildItem (Join-Path $TestHome 'log') -File) + @(Get-Item (Join-Path $ws 'tasks' 'runs.jsonl')) + @(Get-ChildItem $TestHome -Filter '*.jsonl' -File) + @(Get-Item (Join-Path $TestHome 'state.json'))
        $all = ($files | ForEach-Object { Get-Content -LiteralPath $_.FullName -Raw }) -join "`n"
        foreach ($sent in @('echo answer-2', 'echo leak-3', 'echo mine-4', 'echo answer-5') + (6..15 | ForEach-Object { "echo answer-$_; sleep 0.3" })) {
            $all.Contains($sent) | Should -BeFalse -Because "'$sent' must not be logged"
        }
        $all.Contains('stranger@example.com') | Should -BeFalse
        $log = Get-Content (Join-Path $TestHome 'log' 'msgcode.log') | ForEach-Object { $_ | ConvertFrom-Json }
        @($log | Where-Object msg -eq 'sender rejected').Count | Should -BeGreaterOrEqual 1
    }

    It 'takes messages again after a SIGKILL that came before their cursors were written, without a second task or answer' {
        $imsg = New-StandInImsg
        $root = Initialize-Channel $imsg
        $chat = 'iMessage;+;chat0e2e0001'
        Add-ChatMessage $imsg 1 '/bind proj shell'
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-SentCount $imsg '^Bound to') -ge 1 } -TimeoutSec 30 | Should -BeTrue
        Stop-MsgcodeDaemon -TimeoutSec 10 | Out-Null

        # A daemon whose plain messages' cursors never land: killed while some runs are done, one runs and some wait.
        $env:MSGCODE_TEST_CHANNEL_HOLD_CURSOR = '1'
        try { $daemon = Start-MsgcodeDaemon -PassThru }
        finally { Remove-Item Env:MSGCODE_TEST_CHANNEL_HOLD_CURSOR }
        2..7 | ForEach-Object { Add-ChatMessage $imsg $_ "sleep 0.4; echo answer-$_" }
        $ws = Join-Path $root 'proj'
        Wait-Until { (Get-SentCount $imsg '^answer-') -ge 2 } -TimeoutSec 30 | Should -BeTrue
        @(Get-MsgcodeTask -Workspace $ws).Count | Should -Be 6 -Because 'every message has its task, queued in the lane'
        & kill -9 $daemon.Pid
        Wait-Until { -not (Test-Path "/proc/$($daemon.Pid)") } | Should -BeTrue
        (Get-Content (Join-Path $TestHome 'state.json') -Raw | ConvertFrom-Json).chats.$chat.lastSeenRowid | Should -Be 1 -Because 'no plain message moved the cursor'

        # The next daemon gets messages 2-7 again: each finds its task, done, waiting (recovered from the queue) or
        # interrupted (queued again by its retry policy), and is answered once.
        $null = Start-MsgcodeDaemon
        Wait-Until { @(2..7 | Where-Object { (Get-SentCount $imsg "^answer-$_`$") -eq 0 }).Count -eq 0 } -TimeoutSec 45 | Should -BeTrue
        Start-Sleep -Milliseconds 1200   # room for a duplicate to show up, if there were one
        $texts = @(Get-Sends $imsg | ForEach-Object text)
        foreach ($rowid in 2..7) {
            @($texts | Where-Object { $_ -eq "answer-$rowid" }).Count | Should -Be 1 -Because "message $rowid is answered exactly once"
        }
        @(Get-MsgcodeTask -Workspace $ws).Count | Should -Be 6 -Because 'a message taken again finds the task made for it'
        Wait-Until { (Get-Content (Join-Path $TestHome 'state.json') -Raw | ConvertFrom-Json).chats.$chat.lastSeenRowid -eq 7 } -TimeoutSec 10 | Should -BeTrue
    }

    It "puts the workspace's best memory notes before a chat task's prompt when memory.inject is on" {
        $imsg = New-StandInImsg
        $root = Initialize-Channel $imsg
        Add-ChatMessage $imsg 1 '/bind mem shell'
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-SentCount $imsg '^Bound to mem') -ge 1 } -TimeoutSec 30 | Should -BeTrue
        $ws = Join-Path $root 'mem'
        Add-MsgcodeMemory 'The staging database listens on port 5433.' -Tag db -Workspace $ws
        Add-ChatMessage $imsg 2 'echo first'   # injection off: the prompt is the message
        Wait-Until { @(Get-MsgcodeTask -Workspace $ws).Count -ge 1 } -TimeoutSec 30 | Should -BeTrue
        Set-MsgcodeConfig memory.inject true -Workspace $ws
        Add-ChatMessage $imsg 3 'which port does the staging database use'
        Wait-Until { @(Get-MsgcodeTask -Workspace $ws).Count -ge 2 } -TimeoutSec 30 | Should -BeTrue
        $tasks = @(Get-MsgcodeTask -Workspace $ws)
        $tasks[0].Prompt | Should -Be 'echo first'
        $tasks[1].Prompt | Should -Match '5433'
        $tasks[1].Prompt | Should -Match 'which port does the staging database use$'
    }

    It 'answers read-only commands at once while the lane is busy, acknowledges a long run once, and /stop cancels it' {
        $imsg = New-StandInImsg -Options @{ duplicates = 1 }
        $root = Initialize-Channel $imsg -AckDelayMs 300
        $chat = 'iMessage;+;chat0e2e0002'
        $ws = Join-Path $root 'busy'
        New-Item -ItemType Directory -Path $ws | Out-Null
        Set-MsgcodeRoute $chat $ws -Runner shell
        $null = Start-MsgcodeDaemon
        Add-ChatMessage $imsg 1 'sleep 30; echo never' -Chat $chat
        Wait-Until { @(Get-MsgcodeTask -Workspace $ws -Status running).Count -eq 1 } -TimeoutSec 20 | Should -BeTrue
        Add-ChatMessage $imsg 2 '/status' -Chat $chat
        Add-ChatMessage $imsg 3 '/where' -Chat $chat
        Wait-Until { (Get-SentCount $imsg 'Label: busy') -ge 1 -and (Get-SentCount $imsg '^msgcode daemon') -ge 1 } -TimeoutSec 10 | Should -BeTrue
        @(Get-SentText $imsg '^msgcode daemon')[0] | Should -Match 'running tsk_'
        Wait-Until { (Get-SentCount $imsg '^Working on it…$') -ge 1 } -TimeoutSec 10 | Should -BeTrue
        Add-ChatMessage $imsg 4 '/stop' -Chat $chat
        Wait-Until { (Get-SentCount $imsg '^Stopped tsk_') -eq 1 } -TimeoutSec 10 | Should -BeTrue
        Wait-Until { @(Get-MsgcodeTask -Workspace $ws -Status running).Count -eq 0 } -TimeoutSec 10 | Should -BeTrue
        (Get-MsgcodeTaskRun -Workspace $ws -Last 1).Status | Should -Be 'canceled'
        Add-ChatMessage $imsg 5 '/task list' -Chat $chat
        Add-ChatMessage $imsg 6 '/bind ../escape' -Chat $chat
        Wait-Until { (Get-SentCount $imsg 'RoutePathInvalid') -eq 1 } -TimeoutSec 10 | Should -BeTrue
        $texts = @(Get-Sends $imsg | ForEach-Object text)
        @($texts | Where-Object { $_ -eq 'Working on it…' }).Count | Should -Be 1
        @($texts | Where-Object { $_ -match '\[open\] sleep 30' }).Count | Should -Be 1
        @($texts | Where-Object { $_ -eq 'never' }).Count | Should -Be 0

        # The task commands, then /unbind.
        $id = (Get-MsgcodeTask -Workspace $ws).Id
        Add-ChatMessage $imsg 7 "/close $id" -Chat $chat
        Add-ChatMessage $imsg 8 "/task $($id.Substring(0, 12))" -Chat $chat
        Add-ChatMessage $imsg 9 'echo again' -Chat $chat
        Wait-Until { (Get-SentCount $imsg '^again$') -eq 1 } -TimeoutSec 15 | Should -BeTrue
        $second = (Get-MsgcodeTask -Workspace $ws | Where-Object Id -NE $id).Id
        Add-ChatMessage $imsg 10 "/run $second" -Chat $chat
        Wait-Until { (Get-SentCount $imsg '^again$') -eq 2 } -TimeoutSec 15 | Should -BeTrue
        Add-ChatMessage $imsg 11 '/unbind' -Chat $chat
        Add-ChatMessage $imsg 12 'echo unbound' -Chat $chat
        Wait-Until { (Get-SentCount $imsg 'not bound') -eq 1 } -TimeoutSec 15 | Should -BeTrue
        (Get-SentCount $imsg "^Closed $id") | Should -Be 1
        (Get-SentCount $imsg "^$id \[done\]") | Should -Be 1
        (Get-SentCount $imsg "^Queued $second") | Should -Be 1
        (Get-SentCount $imsg '^Unbound') | Should -Be 1
        (Get-MsgcodeRoute $chat).Status | Should -Be 'archived'
        (Get-MsgcodeRoute).ChatGuid | Should -Not -Contain $chat
        Test-Path $ws | Should -BeTrue

        # A folder name taken by a file, and a bad runner: each answered with its id, nothing made or bound.
        Set-Content (Join-Path $root 'afile') 'not a folder'
        Add-ChatMessage $imsg 13 '/bind afile' -Chat $chat
        Wait-Until { (Get-SentCount $imsg 'RoutePathInvalid') -eq 2 } -TimeoutSec 10 | Should -BeTrue
        Add-ChatMessage $imsg 14 '/bind newfolder BAD!' -Chat $chat
        Wait-Until { (Get-SentCount $imsg 'TaskFieldInvalid') -eq 1 } -TimeoutSec 10 | Should -BeTrue
        Test-Path (Join-Path $root 'newfolder') | Should -BeFalse
        (Get-MsgcodeRoute $chat).Status | Should -Be 'archived'

        # A well-formed runner name that no runner has, and a symbolic link that leads out of workspace.root.
        Add-ChatMessage $imsg 15 '/bind newfolder pwhs' -Chat $chat
        Wait-Until { (Get-SentCount $imsg 'RunnerNotFound') -eq 1 } -TimeoutSec 10 | Should -BeTrue
        @(Get-SentText $imsg 'RunnerNotFound')[0] | Should -Match "no runner 'pwhs'\. Did you mean 'pwsh'\?"
        Test-Path (Join-Path $root 'newfolder') | Should -BeFalse
        $outside = Join-Path $TestDrive ('outside-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $outside | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $root 'door') -Target $outside | Out-Null
        Add-ChatMessage $imsg 16 '/bind door/inside' -Chat $chat
        Wait-Until { (Get-SentCount $imsg 'RoutePathInvalid') -eq 3 } -TimeoutSec 10 | Should -BeTrue
        @(Get-SentText $imsg 'RoutePathInvalid')[2] | Should -Match 'symbolic link'
        Test-Path (Join-Path $outside 'inside') | Should -BeFalse
        (Get-MsgcodeRoute $chat).Status | Should -Be 'archived'
    }
}

Describe 'Local faults keep messages: a broken routes.json, an unwritable task folder (real daemon)' -Skip:(-not $script:CanStandIn) {
    BeforeEach {
        $script:TestHome = New-TestHome
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It 'keeps messages that cannot be routed, tells the sender once, and handles them once the file is repaired or after a restart' {
        $imsg = New-StandInImsg
        $root = Initialize-Channel $imsg
        $chat = 'iMessage;+;chat0e2e0004'
        $other = 'iMessage;+;chat0e2e0005'
        $notice = 'cannot read its routes'
        Add-ChatMessage $imsg 1 '/bind kept shell' -Chat $chat
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-SentCount $imsg '^Bound to kept') -ge 1 } -TimeoutSec 30 | Should -BeTrue
        $ws = Join-Path $root 'kept'
        $routesPath = Join-Path $TestHome 'routes.json'
        $saved = Get-Content $routesPath -Raw
        $cursorOf = { param($c) (Get-Content (Join-Path $TestHome 'state.json') -Raw | ConvertFrom-Json).chats.$c.lastSeenRowid }

        # Broken while the daemon runs: kept, one notice, no task; repaired: each handled once, in order.
        Set-Content $routesPath '{ not json'
        Add-ChatMessage $imsg 2 'echo kept-2' -Chat $chat
        Add-ChatMessage $imsg 3 'echo kept-3' -Chat $chat
        Wait-Until { (Get-SentCount $imsg $notice) -ge 1 } -TimeoutSec 20 | Should -BeTrue
        Start-Sleep -Milliseconds 1500   # room for a second notice, or a task, if there were one
        Get-SentCount $imsg $notice | Should -Be 1 -Because 'the sender is told once per outage, not once per message'
        @(Get-SentText $imsg $notice)[0] | Should -Match 'RoutesFileCorrupt'
        @(Get-MsgcodeTask -Workspace $ws).Count | Should -Be 0
        & $cursorOf $chat | Should -Be 1 -Because 'the cursor does not move past a kept message'
        Set-Content $routesPath $saved -NoNewline
        Wait-Until { (Get-SentCount $imsg '^kept-2$') -ge 1 -and (Get-SentCount $imsg '^kept-3$') -ge 1 } -TimeoutSec 40 | Should -BeTrue
        Start-Sleep -Milliseconds 1000   # room for a duplicate to show up, if there were one
        Get-SentCount $imsg '^kept-2$' | Should -Be 1
        Get-SentCount $imsg '^kept-3$' | Should -Be 1
        $texts = @(Get-Sends $imsg | ForEach-Object text)
        [array]::IndexOf($texts, 'kept-2') | Should -BeLessThan ([array]::IndexOf($texts, 'kept-3'))
        @(Get-MsgcodeTask -Workspace $ws).Count | Should -Be 2
        Wait-Until { (& $cursorOf $chat) -eq 3 } -TimeoutSec 10 | Should -BeTrue

        # Broken, a message, and another chat's command moving the highest cursor past it; stopped, repaired, started.
        Set-Content $routesPath '{ not json'
        Add-ChatMessage $imsg 4 'echo kept-4' -Chat $chat
        Wait-Until { (Get-SentCount $imsg $notice) -ge 2 } -TimeoutSec 20 | Should -BeTrue
        Add-ChatMessage $imsg 5 '/help' -Chat $other
        Wait-Until { (Get-SentCount $imsg '^msgcode commands') -ge 1 } -TimeoutSec 20 | Should -BeTrue
        Stop-MsgcodeDaemon -TimeoutSec 10 | Out-Null
        & $cursorOf $chat | Should -Be 3
        & $cursorOf $other | Should -Be 5
        Set-Content $routesPath $saved -NoNewline
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-SentCount $imsg '^kept-4$') -ge 1 } -TimeoutSec 40 | Should -BeTrue
        Start-Sleep -Milliseconds 1000
        Get-SentCount $imsg '^kept-4$' | Should -Be 1
        Get-SentCount $imsg $notice | Should -Be 2 -Because 'one notice for each of the two outages'
        Get-SentCount $imsg '^msgcode commands' | Should -Be 1 -Because 'the command of the other chat is not answered again'
        foreach ($n in 2, 3) { Get-SentCount $imsg "^kept-$n`$" | Should -Be 1 }
        @(Get-MsgcodeTask -Workspace $ws).Count | Should -Be 3
        Wait-Until { (& $cursorOf $chat) -eq 4 } -TimeoutSec 10 | Should -BeTrue
        (Get-Content (Join-Path $TestHome 'state.json') -Raw | ConvertFrom-Json).chats.$chat.PSObject.Properties.Name | Should -Not -Contain 'keptFromRowid'
    }

    It 'keeps a message whose task cannot be written, tells the sender once, and makes its task once the workspace is fixed' {
        $imsg = New-StandInImsg
        $root = Initialize-Channel $imsg
        $chat = 'iMessage;+;chat0e2e0006'
        $ws = Join-Path $root 'nowrite'
        New-Item -ItemType Directory -Path $ws | Out-Null
        Set-MsgcodeRoute $chat $ws -Runner shell
        Set-Content (Join-Path $ws 'tasks') 'a file where the tasks folder belongs'
        $null = Start-MsgcodeDaemon
        Add-ChatMessage $imsg 1 'echo saved-1' -Chat $chat
        Add-ChatMessage $imsg 2 'echo saved-2' -Chat $chat
        Wait-Until { (Get-SentCount $imsg 'cannot save this chat') -ge 1 } -TimeoutSec 20 | Should -BeTrue
        Start-Sleep -Milliseconds 2500   # a retry or two on the timer, still failing
        Get-SentCount $imsg 'cannot save this chat' | Should -Be 1
        @(Get-SentText $imsg 'cannot save this chat')[0] | Should -Match 'WorkspaceNotWritable'
        Remove-Item (Join-Path $ws 'tasks')
        Wait-Until { (Get-SentCount $imsg '^saved-1$') -ge 1 -and (Get-SentCount $imsg '^saved-2$') -ge 1 } -TimeoutSec 45 | Should -BeTrue
        Start-Sleep -Milliseconds 1000
        Get-SentCount $imsg '^saved-1$' | Should -Be 1
        Get-SentCount $imsg '^saved-2$' | Should -Be 1
        @(Get-MsgcodeTask -Workspace $ws).Count | Should -Be 2
        Wait-Until { (Get-Content (Join-Path $TestHome 'state.json') -Raw | ConvertFrom-Json).chats.$chat.lastSeenRowid -eq 2 } -TimeoutSec 10 | Should -BeTrue
    }
}

Describe 'A crash of imsg mid-stream (real daemon)' -Skip:(-not $script:CanStandIn) {
    BeforeEach {
        $script:TestHome = New-TestHome
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It 'restarts imsg, resubscribes from the cursor, and still answers every message once' {
        $imsg = New-StandInImsg -Options @{ dieAfter = 5 }
        $root = Initialize-Channel $imsg
        $chat = 'iMessage;+;chat0e2e0003'
        $ws = Join-Path $root 'crash'
        New-Item -ItemType Directory -Path $ws | Out-Null
        Set-MsgcodeRoute $chat $ws -Runner shell
        1..6 | ForEach-Object { Add-ChatMessage $imsg $_ "echo crash-$_" -Chat $chat }
        $null = Start-MsgcodeDaemon
        Wait-Until { @(1..6 | Where-Object { (Get-SentCount $imsg "^crash-$_`$") -eq 0 }).Count -eq 0 } -TimeoutSec 30 | Should -BeTrue
        Start-Sleep -Milliseconds 500
        Test-Path (Join-Path $imsg 'died') | Should -BeTrue -Because 'the first imsg died after 5 notifications'
        @(Get-Content (Join-Path $imsg 'pids.txt')).Count | Should -BeGreaterOrEqual 2
        foreach ($rowid in 1..6) { Get-SentCount $imsg "^crash-$rowid`$" | Should -Be 1 }
        $subscribes = @(Get-Content (Join-Path $imsg 'requests.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object method -EQ 'watch.subscribe')
        $subscribes[-1].params.since_rowid | Should -BeGreaterOrEqual 2
        (Get-MsgcodeLog -Tail 200).Message | Should -Contain 'imsg stopped; restarting'
    }
}

Describe 'Doctor: the channel category' -Skip:(-not $script:CanStandIn) {
    BeforeEach {
        $script:TestHome = New-TestHome
    }

    It 'is skipped while imsg.path is unset' {
        $checks = Test-MsgcodeDoctor -Detailed -Category channel
        ($checks | Where-Object Name -EQ 'imsg').Status | Should -Be 'skip'
    }

    It 'reports imsg and its version, an empty whitelist, routes to missing workspaces, and the last inbound message' {
        $imsg = New-StandInImsg
        Set-MsgcodeConfig imsg.path (Join-Path $imsg 'imsg')
        $gone = New-TestWorkspace
        Set-MsgcodeRoute 'iMessage;+;chatdoc00001' $gone
        Remove-Item $gone
        $checks = Test-MsgcodeDoctor -Detailed -Category channel
        ($checks | Where-Object Name -EQ 'imsg').Details['version'] | Should -BeLike 'imsg 0.4.0*'
        ($checks | Where-Object Name -EQ 'whitelist').Status | Should -Be 'fail'
        ($checks | Where-Object Name -EQ 'routes').Status | Should -Be 'warn'
        ($checks | Where-Object Name -EQ 'routes').Message | Should -BeLike "*$gone*"
        ($checks | Where-Object Name -EQ 'inbound').Status | Should -Be 'warn'
        $checks | Where-Object Status -In 'warn', 'fail' | ForEach-Object { $_.FixHint | Should -Not -BeNullOrEmpty }
        Test-MsgcodeDoctor -Category channel | Should -BeFalse

        Set-MsgcodeConfig whitelist.emails 'owner@example.com'
        '{"version":1,"chats":{"iMessage;+;chatdoc00001":{"lastSeenRowid":42,"lastSeenAt":"2026-01-02T03:04:05Z","messageCount":1}}}' | Set-Content (Join-Path $TestHome 'state.json')
        Set-MsgcodeConfig log.level info   # the config layer and the cursors share state.json
        $inbound = Test-MsgcodeDoctor -Detailed -Category channel | Where-Object Name -EQ 'inbound'
        $inbound.Details['lastInboundRowid'] | Should -Be '42'
        $inbound.Details['lastInboundAt'] | Should -Be '2026-01-02T03:04:05Z'
        (Get-Content (Join-Path $TestHome 'state.json') -Raw | ConvertFrom-Json).chats.'iMessage;+;chatdoc00001'.lastSeenRowid | Should -Be 42
        Set-MsgcodeConfig imsg.path (Join-Path $TestDrive 'no-imsg-here')
        (Test-MsgcodeDoctor -Detailed -Category channel | Where-Object Name -EQ 'imsg').Status | Should -Be 'fail'
    }
}

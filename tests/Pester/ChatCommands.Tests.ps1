#Requires -Version 7.4
# The original msgcode's chat commands (/model, /policy, /owner, /owner-only, /loglevel, /reload, /clear, /help),
# end to end through the real daemon against the stand-in imsg, and Get-MsgcodeEffectiveConfig -Chat/-Overview,
# which explains a chat: its route, runner, access, memory and jobs, each with its source file.

BeforeDiscovery {
    # The stand-in imsg is a python3 script; without python3 the end-to-end tests are skipped, not failed.
    $script:CanStandIn = $IsLinux -and [bool](Get-Command python3 -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:Group = 'iMessage;+;chat0c0c0001'

    function Start-ChatDaemon([string[]] $Owners = @()) {
        # A home whose whitelist serves owner@ and guest@, a group chat bound to a workspace (runner shell), a daemon.
        $script:Imsg = New-StandInImsg
        $root = Join-Path $TestDrive ('root-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $script:Ws = Join-Path $root 'proj'
        New-Item -ItemType Directory -Path $script:Ws | Out-Null
        Set-MsgcodeConfig imsg.path (Join-Path $script:Imsg 'imsg')
        Set-MsgcodeConfig whitelist.emails @('owner@example.com', 'guest@example.com')
        if ($Owners) { Set-MsgcodeConfig whitelist.owners $Owners }
        Set-MsgcodeConfig workspace.root $root
        Set-MsgcodeConfig channel.ackDelayMs -1
        Set-MsgcodeRoute $script:Group $script:Ws -Runner shell
        $script:Rowid = 0
        $null = Start-MsgcodeDaemon
    }

    function Send-Chat {
        # Sends one message (by default from owner@ in the group) and returns the answer's text. -NoAnswer waits
        # until the daemon has handled the message (its chat's cursor passed it) and asserts that nothing was sent.
        param([string] $Text, [string] $Sender = 'owner@example.com', [switch] $Direct, [switch] $NoAnswer)
        $chat = if ($Direct) { "iMessage;-;$Sender" } else { $script:Group }
        $before = @(Get-Sends $script:Imsg).Count
        $script:Rowid++
        $rowid = $script:Rowid
        Add-ChatMessage $script:Imsg $rowid $Text -Chat $chat -Sender $Sender -Direct:$Direct
        if ($NoAnswer) {
            $state = Join-Path $env:MSGCODE_HOME 'state.json'
            Wait-Until { (Test-Path $state) -and ((Get-Content $state -Raw | ConvertFrom-Json).chats.$chat.lastSeenRowid -ge $rowid) } -TimeoutSec 20 |
                Should -BeTrue -Because "'$Text' is handled"
            @(Get-Sends $script:Imsg).Count | Should -Be $before -Because "'$Text' from $Sender gets no answer"
            return
        }

        Wait-Until { @(Get-Sends $script:Imsg).Count -gt $before } -TimeoutSec 20 | Should -BeTrue -Because "'$Text' is answered"
        $sent = @(Get-Sends $script:Imsg)[$before]
        $sent.chat_guid | Should -Be $chat
        return $sent.text
    }

    function Get-StateSetting([string] $Name) {
        (Get-Content (Join-Path $env:MSGCODE_HOME 'state.json') -Raw | ConvertFrom-Json -AsHashtable).config[$Name]
    }
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Chat commands of the original (real daemon, stand-in imsg)' -Skip:(-not $script:CanStandIn) {
    BeforeEach {
        $script:TestHome = New-TestHome
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It '/help lists every command' {
        Start-ChatDaemon
        $help = Send-Chat '/help'
        foreach ($command in '/bind', '/where', '/unbind', '/status', '/task', '/run', '/close', '/stop', '/new', '/clear', '/model', '/policy', '/owner', '/owner-only', '/loglevel', '/reload', '/help') {
            $help | Should -Match ([regex]::Escape($command) + '\b') -Because "/help names $command"
        }
    }

    It '/model shows the runner and model; only an owner changes it, to a runner that exists and that the policy allows' {
        Start-ChatDaemon -Owners 'owner@example.com'
        $routes = Join-Path $TestHome 'routes.json'
        $shown = Send-Chat '/model' -Sender 'guest@example.com'
        $shown | Should -Match ('Runner: shell \(Route: ' + [regex]::Escape($routes) + '\)')
        $shown | Should -Match 'Model: '
        $shown | Should -Match 'Available: .*pwsh'

        # A whitelisted guest in a group: refused, and the route keeps its runner.
        $refused = Send-Chat '/model pwsh' -Sender 'guest@example.com'
        ($refused -split ':')[0] | Should -Be 'ChatCommandOwnerOnly'
        $refused | Should -Match 'Only an owner may change this chat''s runner'
        $refused | Should -Match '/owner <handle>'
        (Get-MsgcodeRoute $script:Group).Runner | Should -Be 'shell'

        (Send-Chat '/model nosuchrunner') | Should -Match '^RunnerNotFound: .*Available: .*shell'
        (Get-MsgcodeRoute $script:Group).Runner | Should -Be 'shell'

        (Send-Chat '/model pwsh') | Should -Match '^This chat''s runner is now pwsh'
        (Get-MsgcodeRoute $script:Group).Runner | Should -Be 'pwsh'

        # The egress gate: a runner that sends data off the machine is refused while the workspace is local-only.
        Set-MsgcodeConfig policy.mode local-only -Workspace $script:Ws
        $gate = Send-Chat '/model claude'
        $gate | Should -Match '^RunnerBlockedByPolicy: '
        $gate | Should -Match '/policy egress-allowed'
        (Get-MsgcodeRoute $script:Group).Runner | Should -Be 'pwsh'

        (Send-Chat '/model default') | Should -Match 'runner.default again: lmstudio \(Default\)'
        (Get-MsgcodeRoute $script:Group).Runner | Should -BeNullOrEmpty
        Get-Content (Join-Path $TestHome '.env') -ErrorAction SilentlyContinue | Should -BeNullOrEmpty -Because '.env is never written'
    }

    It '/policy shows and (owner only) sets policy.mode for the workspace; a workspace cannot loosen the user''s local-only' {
        Start-ChatDaemon -Owners 'owner@example.com'
        $wsConfig = Join-Path $script:Ws '.msgcode' 'config.json'
        (Send-Chat '/policy') | Should -Match '^policy.mode: egress-allowed \(the default\)'
        (Send-Chat '/policy local-only' -Sender 'guest@example.com') | Should -Match '^ChatCommandOwnerOnly: '
        Test-Path $wsConfig | Should -BeFalse -Because 'a refused command changes nothing'

        (Send-Chat '/policy limit') | Should -Match 'local-only for this workspace'
        (Get-MsgcodeEffectiveConfig policy.mode -Workspace $script:Ws).Value | Should -Be 'local-only'
        (Get-MsgcodeEffectiveConfig policy.mode -Workspace $script:Ws).SourcePath | Should -Be $wsConfig
        (Send-Chat '/policy') | Should -Match ('Workspace layer, ' + [regex]::Escape($wsConfig))
        (Send-Chat '/policy sometimes') | Should -Match '^ConfigValueInvalid: '

        (Send-Chat '/policy egress-allowed') | Should -Match 'egress-allowed for this workspace \(the default\)'
        (Get-MsgcodeEffectiveConfig policy.mode -Workspace $script:Ws).Value | Should -Be 'egress-allowed'

        # Set for the whole user: the workspace may only tighten, so the chat is told where it is set.
        Set-MsgcodeConfig policy.mode local-only
        $loosen = Send-Chat '/policy open'
        $loosen | Should -Match '^ConfigWorkspaceCannotLoosen: '
        $loosen | Should -Match ([regex]::Escape((Join-Path $TestHome 'state.json')))
        (Get-MsgcodeEffectiveConfig policy.mode -Workspace $script:Ws).Value | Should -Be 'local-only'
    }

    It '/owner: the first owner makes themself owner in a direct chat only; then only an owner adds owners, served at once' {
        Start-ChatDaemon
        (Send-Chat '/owner') | Should -Match 'no owner yet.*/owner me'
        (Send-Chat '/owner me' -Sender 'guest@example.com') | Should -Match '^ChatCommandOwnerOnly: .*direct'
        (Send-Chat '/owner guest@example.com' -Direct) | Should -Match '^ChatCommandOwnerOnly: '
        Get-StateSetting 'whitelist.owners' | Should -BeNullOrEmpty

        (Send-Chat '/owner me' -Direct) | Should -Match '^owner@example.com is an owner now'
        Get-StateSetting 'whitelist.owners' | Should -Be @('owner@example.com')

        (Send-Chat '/owner guest@example.com' -Sender 'guest@example.com') | Should -Match '^ChatCommandOwnerOnly: Only an owner may add an owner'
        Get-StateSetting 'whitelist.owners' | Should -Be @('owner@example.com')

        # An owner adds a new sender: owner and served, without a restart.
        Send-Chat '/where' -Sender 'new@example.com' -NoAnswer
        (Send-Chat '/owner new@example.com') | Should -Match '^new@example.com is an owner now and is served \(whitelist.emails\)'
        Get-StateSetting 'whitelist.owners' | Should -Be @('owner@example.com', 'new@example.com')
        Get-StateSetting 'whitelist.emails' | Should -Contain 'new@example.com'
        (Send-Chat '/owner' -Sender 'new@example.com') | Should -Match '^Owners: owner@example.com, new@example.com \(State layer'
        Get-Content (Join-Path $TestHome '.env') -ErrorAction SilentlyContinue | Should -BeNullOrEmpty -Because '.env is never written'
    }

    It '/owner-only on|off (owner only): in groups only the owners are served, at once' {
        Start-ChatDaemon -Owners 'owner@example.com'
        (Send-Chat '/owner-only on' -Sender 'guest@example.com') | Should -Match '^ChatCommandOwnerOnly: '
        (Send-Chat '/owner-only') | Should -Match '^Owner only in groups: off \(the default\)'
        (Send-Chat '/owner-only on') | Should -Match '^Owner only in groups: on'
        Get-StateSetting 'channel.ownerOnlyInGroup' | Should -BeTrue
        Send-Chat '/where' -Sender 'guest@example.com' -NoAnswer
        (Send-Chat '/owner' -Sender 'guest@example.com' -Direct) | Should -Match '^Owners: ' -Because 'a direct chat is not a group'
        (Send-Chat '/owner-only maybe') | Should -Match '^ConfigValueInvalid: '
        (Send-Chat '/owner-only off') | Should -Match '^Owner only in groups: off'
        (Send-Chat '/where' -Sender 'guest@example.com') | Should -Match '^Workspace: '
    }

    It '/loglevel shows and (owner only) sets log.level, in force for the next message' {
        Start-ChatDaemon -Owners 'owner@example.com'
        (Send-Chat '/loglevel') | Should -Match '^log.level: info \(the default\)'
        (Send-Chat '/loglevel debug' -Sender 'guest@example.com') | Should -Match '^ChatCommandOwnerOnly: '
        Get-StateSetting 'log.level' | Should -BeNullOrEmpty
        (Send-Chat '/loglevel loud') | Should -Match '^ConfigValueInvalid: '
        (Send-Chat '/loglevel error') | Should -Match '^log.level is error now'
        Get-StateSetting 'log.level' | Should -Be 'error'
        $null = Send-Chat '/where'
        $log = @(Get-Content (Join-Path $TestHome 'log' 'msgcode.log') | ForEach-Object { $_ | ConvertFrom-Json })
        @($log | Where-Object { $_.msg -like 'message *' -and $_.rowid -eq $script:Rowid }).Count | Should -Be 0 -Because 'info lines are no longer written'
        @($log | Where-Object { $_.msg -like 'message *' -and $_.rowid -eq 1 }).Count | Should -Be 1 -Because 'they were before'
    }

    It '/reload re-reads the whitelist and jobs.json; a broken jobs.json keeps the last good schedule and the chat is told' {
        Start-ChatDaemon
        $null = New-MsgcodeJob -Name nightly -Cron '0 3 * * *' -TimeZone UTC -Workspace $script:Ws -Runner shell -Title nightly -Prompt 'date'
        Wait-Until { (Get-MsgcodeDaemon).JobCount -eq 1 } -TimeoutSec 15 | Should -BeTrue
        (Send-Chat '/reload') | Should -Match 'Jobs: 1 \('

        # The whitelist, changed on this machine: a newcomer is served after /reload, not before.
        Set-MsgcodeConfig whitelist.emails @('owner@example.com', 'guest@example.com', 'late@example.com')
        Send-Chat '/where' -Sender 'late@example.com' -NoAnswer
        (Send-Chat '/reload') | Should -Match '^Reloaded\.'
        (Send-Chat '/where' -Sender 'late@example.com') | Should -Match '^Workspace: '

        Set-Content (Join-Path $TestHome 'jobs.json') '{ "version": 1, "jobs": [ broken'
        $told = Send-Chat '/reload'
        $told | Should -Match 'JobsFileInvalid'
        $told | Should -Match 'last good schedule \(1 job\(s\)\) is kept'
        (Get-MsgcodeDaemon).JobCount | Should -Be 1
        Get-Content (Join-Path $TestHome 'jobs.json') -Raw | Should -Match 'broken' -Because 'a broken file is never written over'
    }

    It '/clear starts a fresh agent session: the chat''s newest task is marked' {
        Start-ChatDaemon
        (Send-Chat 'echo first') | Should -Be 'first'
        $task = Get-MsgcodeTask -Workspace $script:Ws
        (Send-Chat '/clear') | Should -Match 'fresh agent session'
        $json = Get-Content (Join-Path $script:Ws 'tasks' "$($task.Id).json") -Raw | ConvertFrom-Json
        $json.route.sessionReset | Should -BeTrue
    }
}

Describe 'Get-MsgcodeEffectiveConfig -Chat and -Overview explain a chat and a workspace' {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
        $script:Chat = 'iMessage;+;chat0e0e0042'
        Set-MsgcodeConfig whitelist.emails 'owner@example.com'
        Set-MsgcodeConfig whitelist.owners 'owner@example.com'
        Set-MsgcodeConfig channel.ownerOnlyInGroup $true
        Set-MsgcodeConfig memory.inject $true -Workspace $script:Ws
        Set-MsgcodeRoute $script:Chat $script:Ws -Runner shell
        $job = New-MsgcodeJob -Name report -Cron '0 9 * * *' -TimeZone UTC -Workspace $script:Ws -Runner shell -Title report -Prompt 'date'
        $jobsFile = Join-Path $TestHome 'jobs.json'
        $jobs = Get-Content $jobsFile -Raw | ConvertFrom-Json -AsHashtable
        $jobs.jobs[0].delivery.chatGuid = $script:Chat
        $jobs | ConvertTo-Json -Depth 20 | Set-Content $jobsFile
        $script:JobId = $job.Id
    }

    It 'explains a served sender: the whitelist key and its file, the route''s runner, memory and the jobs that deliver there' {
        $state = Get-MsgcodeEffectiveConfig -Chat $script:Chat -Sender 'owner@example.com'
        $state.GetType().FullName | Should -Be 'Msgcode.Core.Channels.EffectiveState'
        $stateFile = Join-Path $TestHome 'state.json'
        $state.Chat | Should -Be $script:Chat
        $state.IsGroup | Should -BeTrue
        $state.Workspace | Should -Be $script:Ws
        $state.Routes[0].Source | Should -Be 'Route'
        $state.Routes[0].Path | Should -Be (Join-Path $TestHome 'routes.json')
        $state.Runner.Value | Should -Be 'shell'
        $state.Runner.Source | Should -Be 'Route'
        $state.Policy.Value | Should -Be 'egress-allowed'
        $state.Policy.Source | Should -Be 'Default'
        $state.Served | Should -BeTrue
        $state.Reason | Should -Match ('^served: owner@example.com is in whitelist.emails \(State layer, ' + [regex]::Escape($stateFile) + '\)')
        $state.Reason | Should -Match 'owner-only in groups is on'
        ($state.Access | Where-Object Aspect -EQ 'whitelist.owners').Path | Should -Be $stateFile
        $state.Memory.Value | Should -Match '^on: top 3'
        $state.Memory.Source | Should -Be 'Workspace'
        $state.Memory.Path | Should -Be (Join-Path $script:Ws '.msgcode' 'config.json')
        $state.Jobs.Count | Should -Be 1
        $state.Jobs[0].Aspect | Should -Be $script:JobId
        $state.Jobs[0].Path | Should -Be (Join-Path $TestHome 'jobs.json')
        ($state.Keys | Where-Object Name -EQ 'memory.inject').Value | Should -BeTrue
        (Get-MsgcodeEffectiveConfig -Chat '0e0e0042' -Name runner.*).Keys.Name | Should -Be 'runner.default' -Because 'a chat is found by its ending, and -Name selects keys'

        # The view fits 120 columns.
        $text = $state | Out-String -Width 120
        $text | Should -Match 'Reason\s+: served'
        $text | Should -Match 'Jobs\s+: job_'
        ($state.Access | Format-Table | Out-String -Width 120) -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 120 }
    }

    It 'explains a refused sender: not whitelisted, or not an owner in a group with owner-only on' {
        $stranger = Get-MsgcodeEffectiveConfig -Chat $script:Chat -Sender 'stranger@example.com'
        $stranger.Served | Should -BeFalse
        $stranger.Reason | Should -Match '^refused: stranger@example.com is in neither whitelist.emails \(State layer'
        Set-MsgcodeConfig whitelist.emails @('owner@example.com', 'guest@example.com')
        $guest = Get-MsgcodeEffectiveConfig -Chat $script:Chat -Sender 'guest@example.com'
        $guest.Served | Should -BeFalse
        $guest.Reason | Should -Match '^refused: this is a group chat, owner-only in groups is on \(State layer.*not in whitelist.owners'

        # An unbound chat, and a workspace's overview.
        $unbound = Get-MsgcodeEffectiveConfig -Chat 'iMessage;+;chat0e0e0099' -Sender 'owner@example.com'
        $unbound.Routes[0].Value | Should -Match '^none'
        $unbound.Reason | Should -Match 'not bound'
        $unbound.Jobs.Count | Should -Be 0
        $overview = Get-MsgcodeEffectiveConfig -Workspace $script:Ws -Overview
        $overview.Routes[0].Aspect | Should -Be $script:Chat
        $overview.Runner.Value | Should -Be 'lmstudio' -Because 'a workspace without a route uses runner.default'
        $overview.Jobs[0].Aspect | Should -Be $script:JobId
        (Get-MsgcodeEffectiveConfig -Workspace $script:Ws -Name runner.default).GetType().FullName | Should -Be 'Msgcode.Core.Config.ConfigEntry' -Because 'without -Overview, -Workspace still lists keys'
    }
}

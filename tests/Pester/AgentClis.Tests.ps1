#Requires -Version 7.4
# The real agent CLIs (claude, codex, opencode from npm, pinned in tests/AgentClis/agent-clis.json) run through msgcode
# against a loopback model stand-in that speaks each vendor's wire format (tests/Fixtures/model-standin). Everything runs
# inside a network namespace with only loopback up (build.ps1 starts Pester in one), with the CLIs' telemetry and update
# checks off: nothing can leave the machine. Scripts that imitate the CLIs prove nothing here; these run the programs.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '..' 'AgentClis' 'AgentCliHelpers.psm1') -Force
    $script:Clis = @(
        @{ Runner = 'claude'; Model = $null }
        @{ Runner = 'codex'; Model = $null }
        @{ Runner = 'opencode'; Model = 'standin/standin-model' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'AgentClis' 'AgentCliHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:SkipReason = Get-AgentCliSkipReason
    if ($IsLinux -and $env:CI -and (& id -u) -eq '0' -and $script:SkipReason) {
        # On CI's kind of machine nothing may skip here: build.ps1 installs the CLIs and makes the namespace.
        throw "The agent CLI tests cannot run on CI: $script:SkipReason"
    }
    if (-not $script:SkipReason) {
        $script:StandIn = Start-ModelStandIn (Join-Path $TestDrive 'standin')
        $script:SavedCli = Set-AgentCliEnvironment -StandIn $script:StandIn -Folder (Join-Path $TestDrive 'cli')
    }

    function Skip-Unless {
        if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return $true }
        return $false
    }

    function New-AgentTask([string] $Runner, [string] $Model, [string] $Prompt, [string] $Workspace = (New-TestWorkspace)) {
        $arguments = @{ Workspace = $Workspace; Title = "$Runner test"; Prompt = $Prompt; Runner = $Runner }
        if ($Model) { $arguments.Model = $Model }
        New-MsgcodeTask @arguments
    }

    function Get-RequestsSince([int] $Count) {
        @(Get-StandInRequest $script:StandIn | Where-Object { $_.method -eq 'POST' } | Select-Object -Skip $Count)
    }

    function New-BackgroundInvoke([string] $Workspace, [string] $Id) {
        # Invoke-MsgcodeTask in a runspace of its own (its streams readable while it runs; Stop() is Ctrl+C), not started yet.
        $ps = [powershell]::Create()
        $null = $ps.AddScript({ param($m, $ws, $id) Import-Module $m; $ProgressPreference = 'Continue'; Invoke-MsgcodeTask $id -Workspace $ws -ErrorAction SilentlyContinue }).
            AddArgument((Get-TestModulePath)).AddArgument($Workspace).AddArgument($Id)
        $ps
    }

    function New-TestRepository {
        # A workspace that is a git repository with one commit.
        $repo = New-TestWorkspace
        git -C $repo init -q -b main
        Set-Content (Join-Path $repo 'README.md') 'repo'
        git -C $repo add -A
        git -C $repo -c user.name=t -c user.email=t@example.com commit -qm init
        $repo
    }

    function Get-RequestCount { @(Get-StandInRequest $script:StandIn | Where-Object { $_.method -eq 'POST' }).Count }
}

AfterAll {
    if ($script:SavedCli) { Restore-AgentCliEnvironment $script:SavedCli }
    Stop-ModelStandIn $script:StandIn
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'The real <Runner> CLI through Invoke-MsgcodeTask' -ForEach $script:Clis {
    BeforeEach {
        $script:TestHome = New-TestHome
    }

    It 'writes the file the model asked for in a workspace that is not a git repository, and records answer, usage and session' {
        if (Skip-Unless) { return }
        $ws = New-TestWorkspace
        $task = New-AgentTask $Runner $Model "WRITE hello.txt from-$Runner" $ws
        $run = $task | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded' -Because $run.ErrorMessage
        Get-Content -Raw (Join-Path $ws 'hello.txt') | Should -Match "^from-$Runner\n?$"   # codex's apply_patch ends the file with a newline
        $run.Output | Should -Be 'Wrote hello.txt.'
        $run.SessionId | Should -Not -BeNullOrEmpty
        $run.InputTokens | Should -BeGreaterThan 0
        $run.OutputTokens | Should -BeGreaterThan 0
        $run.Turns | Should -BeGreaterOrEqual 1
        (Get-MsgcodeTask $task.Id -Workspace $ws).Status | Should -Be 'done'

        # The ledger has the numbers, never the text.
        $ledger = Get-Content -Raw (Join-Path $ws 'tasks' 'runs.jsonl')
        $ledger | Should -Not -Match "from-$Runner"
        $outcome = Get-Content (Join-Path $ws 'tasks' 'runs.jsonl') | ConvertFrom-Json | Where-Object event -EQ 'finished'
        $outcome.usage.inputTokens | Should -Be $run.InputTokens
        $outcome.sessionId | Should -Be $run.SessionId
        # Summable in a pipeline, as read back from the ledger.
        (Get-MsgcodeTaskRun -Workspace $ws | Measure-Object -Sum InputTokens).Sum | Should -Be $run.InputTokens
        # The event stream is kept as an artifact.
        $run.Artifacts | Should -Contain "tasks/artifacts/$($run.RunId)/events.jsonl"
    }

    It 'runs in a -Worktree of a git repository and the patch holds the file' {
        if (Skip-Unless) { return }
        $repo = New-TestRepository
        $task = New-AgentTask $Runner $Model "WRITE made.txt by-$Runner" $repo
        $run = $task | Invoke-MsgcodeTask -Worktree
        $run.Status | Should -Be 'succeeded' -Because $run.ErrorMessage
        Test-Path (Join-Path $repo 'made.txt') | Should -BeFalse
        $patch = Get-MsgcodePatch $task.Id -Workspace $repo
        $patch.Files.Path | Should -Contain 'made.txt'
        Get-Content -Raw $patch.Path | Should -Match "\+by-$Runner"
    }

    It 'runs sandboxed (-Sandbox) in a -Worktree: the file lands in the worktree, the main tree stays as it was' {
        if (Skip-Unless) { return }
        $repo = New-TestRepository
        $task = New-AgentTask $Runner $Model "WRITE boxed.txt in-$Runner" $repo
        $run = $task | Invoke-MsgcodeTask -Worktree -Sandbox
        $run.Status | Should -Be 'succeeded' -Because $run.ErrorMessage
        Test-Path (Join-Path $repo 'boxed.txt') | Should -BeFalse
        (Get-MsgcodePatch $task.Id -Workspace $repo).Files.Path | Should -Contain 'boxed.txt'
    }

    It '-Continue resumes the session: the follow-up request carries the earlier turns' {
        if (Skip-Unless) { return }
        $ws = New-TestWorkspace
        $task = New-AgentTask $Runner $Model "first question alpha-$Runner" $ws
        $first = $task | Invoke-MsgcodeTask
        $first.Status | Should -Be 'succeeded' -Because $first.ErrorMessage
        $before = Get-RequestCount
        $second = Invoke-MsgcodeTask $task.Id -Workspace $ws -Continue -Prompt "second question beta-$Runner" -Force
        $second.Status | Should -Be 'succeeded' -Because $second.ErrorMessage
        $second.SessionId | Should -Be $first.SessionId
        $followUp = Get-RequestsSince $before | Where-Object { (Get-StandInUserText $_) -match "second question beta-$Runner" } | Select-Object -Last 1
        $followUp | Should -Not -BeNullOrEmpty
        (Get-StandInUserText $followUp) -join "`n" | Should -Match "first question alpha-$Runner"
        # The task keeps its own prompt.
        (Get-MsgcodeTask $task.Id -Workspace $ws).Prompt | Should -Be "first question alpha-$Runner"
    }

    It 'a session the CLI no longer knows gets RunnerSessionNotFound and a hint' {
        if (Skip-Unless) { return }
        $ws = New-TestWorkspace
        $task = New-AgentTask $Runner $Model 'hello' $ws
        ($task | Invoke-MsgcodeTask).Status | Should -Be 'succeeded'
        # Forget the session on the CLI's side: a task file edited to a session id the CLI never made.
        $file = Join-Path $ws 'tasks' "$($task.Id).json"
        $json = Get-Content -Raw $file | ConvertFrom-Json -AsHashtable
        $json.session.id = switch ($Runner) { 'claude' { '00000000-0000-4000-8000-000000000000' } 'codex' { '00000000-0000-7000-8000-000000000000' } default { 'ses_0000000000000000000000000' } }
        $json | ConvertTo-Json -Depth 10 | Set-Content $file
        $run = Invoke-MsgcodeTask $task.Id -Workspace $ws -Continue -Prompt 'again' -Force -ErrorVariable e -ErrorAction SilentlyContinue
        $run.Status | Should -Be 'failed'
        $run.ErrorCode | Should -Be 'RunnerSessionNotFound'
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerSessionNotFound,*'
        $run.ErrorMessage | Should -Match 'without -Continue'
    }

    It 'prompts reach the model byte-exact: a leading dash, quotes, CRLF, newlines and Chinese' {
        if (Skip-Unless) { return }
        $prompt = "-x --help `"double`" 'single' ``tick`` `$HOME \back`nline2`r`nline3 中文字符 你好`n`n"
        $before = Get-RequestCount
        $run = New-AgentTask $Runner $Model $prompt | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded' -Because $run.ErrorMessage
        $texts = Get-RequestsSince $before | ForEach-Object { Get-StandInUserText $_ }
        $texts | Should -Contain $prompt
    }

    It 'a task''s input file reaches the model as its full path after the prompt (claude may read its folder: --add-dir)' {
        if (Skip-Unless) { return }
        $ws = New-TestWorkspace
        $photo = Join-Path $TestDrive "photo-$Runner.png"
        Set-Content $photo 'not really a picture'
        $arguments = @{ Workspace = $ws; Title = 'with a file'; Prompt = 'What is in the attached file?'; Runner = $Runner; File = $photo }
        if ($Model) { $arguments.Model = $Model }
        $task = New-MsgcodeTask @arguments
        $copy = Join-Path $ws $task.Files[0]
        $before = Get-RequestCount
        $run = $task | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded' -Because $run.ErrorMessage
        $texts = (Get-RequestsSince $before | ForEach-Object { Get-StandInUserText $_ }) -join "`n"
        $texts | Should -Match ([regex]::Escape("What is in the attached file?`n`nAttached files:`n- $copy"))
    }

    It 'a 1 MB prompt reaches the model whole' {
        if (Skip-Unless) { return }
        $prompt = 'p' * (1024 * 1024)
        $before = Get-RequestCount
        $run = New-AgentTask $Runner $Model $prompt | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded' -Because $run.ErrorMessage
        $run.ErrorCode | Should -BeNullOrEmpty
        $texts = Get-RequestsSince $before | ForEach-Object { Get-StandInUserText $_ }
        @($texts | Where-Object { $_.Length -eq $prompt.Length -and $_ -eq $prompt }).Count | Should -BeGreaterThan 0
    }

    It 'a model API that answers <_> fails the run promptly with the reason in ErrorMessage' -ForEach @('401', '500', 'garbage') {
        if (Skip-Unless) { return }
        $ws = New-TestWorkspace
        $prompt = switch ($_) { '401' { 'FAIL 401' } '500' { 'FAIL 500' } default { 'GARBAGE' } }
        $task = New-AgentTask $Runner $Model $prompt $ws
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $run = $task | Invoke-MsgcodeTask -ErrorAction SilentlyContinue -ErrorVariable e
        $clock.Stop()
        $run.Status | Should -Be 'failed'
        $run.ErrorCode | Should -Be 'RunnerFailed'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 60
        $expected = switch ($_) { '401' { '401|API key|Unauthorized|auth' } '500' { '500|server' } default { '.' } }
        $run.ErrorMessage | Should -Match $expected
        $run.ErrorMessage | Should -Not -Match 'exited with code \d+\.$'
        (Get-MsgcodeTask $task.Id -Workspace $ws).Status | Should -Be 'blocked'
        # Nothing is lost: the events the CLI printed are kept.
        Test-Path (Join-Path $ws 'tasks' 'artifacts' $run.RunId 'events.jsonl') | Should -BeTrue
    }

    It 'a CLI killed mid-stream fails the run and keeps the events it printed' {
        if (Skip-Unless) { return }
        $ws = New-TestWorkspace
        $task = New-AgentTask $Runner $Model 'SLOW 30' $ws
        $ps = New-BackgroundInvoke $ws $task.Id
        $handle = $ps.BeginInvoke()
        try {
            $eventsFile = { Get-ChildItem (Join-Path $ws 'tasks' 'artifacts') -Recurse -Filter events.jsonl -ErrorAction SilentlyContinue | Select-Object -First 1 }
            Wait-Until { (& $eventsFile) -and (Get-Item (& $eventsFile).FullName).Length -gt 0 } -TimeoutSec 30 | Should -BeTrue
            # The CLI's own program (for codex the native binary under its npm wrapper), found under the npm install.
            $cli = Get-AgentProcess | Select-Object -First 1
            $cli | Should -Not -BeNullOrEmpty
            Stop-Process -Id $cli.Id -Force
            $run = $ps.EndInvoke($handle) | Select-Object -Last 1
        }
        finally { $ps.Dispose() }
        $run.Status | Should -Be 'failed'
        (Get-Item (Join-Path $ws 'tasks' 'artifacts' $run.RunId 'events.jsonl')).Length | Should -BeGreaterThan 0
        (Get-MsgcodeTask $task.Id -Workspace $ws).Status | Should -Be 'blocked'
    }

    It 'Ctrl+C while events stream kills the process tree and records the run canceled' {
        if (Skip-Unless) { return }
        $ws = New-TestWorkspace
        $task = New-AgentTask $Runner $Model 'SLOW 30' $ws
        $ps = New-BackgroundInvoke $ws $task.Id
        $handle = $ps.BeginInvoke()
        Wait-Until { Test-Path (Join-Path $ws 'tasks' 'artifacts' '*' 'events.jsonl') } -TimeoutSec 30 | Should -BeTrue
        $ps.Stop()
        $ps.Dispose()
        $run = Get-MsgcodeTaskRun -Workspace $ws -Last 1
        $run.Status | Should -Be 'canceled'
        Wait-Until { -not (Get-AgentProcess) } -TimeoutSec 10 | Should -BeTrue
        (Get-MsgcodeTask $task.Id -Workspace $ws).Status | Should -Be 'open'
    }
}

Describe 'Live output, waiting and refusals with the real CLIs' {
    BeforeEach {
        $script:TestHome = New-TestHome
    }

    It 'the real Claude Code asks the model once more per agents.maxRetries after a server error' {
        if (Skip-Unless) { return }
        $counts = foreach ($retries in 0, 2) {
            Set-MsgcodeConfig agents.maxRetries $retries
            $before = Get-RequestCount
            $run = New-AgentTask claude $null "FAIL 500 retries-$retries" | Invoke-MsgcodeTask -ErrorAction SilentlyContinue
            $run.Status | Should -Be 'failed'
            @(Get-RequestsSince $before | Where-Object { (Get-StandInUserText $_) -match "retries-$retries" }).Count
        }
        $counts[0] | Should -Be 1 -Because 'agents.maxRetries 0: no retry'
        $counts[1] | Should -Be 3 -Because 'agents.maxRetries 2: the first request and two retries'
    }

    It 'runs one task as attempts with two real CLIs side by side, each writing in its own worktree, and ranks them' {
        if (Skip-Unless) { return }
        $repo = New-TestRepository
        Set-MsgcodeConfig -Name worktree.verify -Value 'test -f made.txt' -Workspace $repo
        $task = New-AgentTask claude $null 'WRITE made.txt by-an-attempt' $repo
        $runs = $task | Invoke-MsgcodeTask -Worktree -Runner claude, codex
        $runs.Count | Should -Be 2
        foreach ($run in $runs) { $run.Status | Should -Be 'succeeded' -Because $run.ErrorMessage }
        Test-Path (Join-Path $repo 'made.txt') | Should -BeFalse -Because 'the main tree is not touched'
        $ranked = Compare-MsgcodePatch $task.Id -Workspace $repo
        ($ranked.Runner | Sort-Object) | Should -Be @('claude', 'codex')
        $ranked.VerifyStatus | Sort-Object -Unique | Should -Be 'Verified'
        foreach ($row in $ranked) {
            Get-Content -Raw $row.PatchPath | Should -Match '\+by-an-attempt'
            $row.InputTokens | Should -BeGreaterThan 0
        }
    }

    It 'shows progress and the agent''s messages before the run ends' {
        if (Skip-Unless) { return }
        $ws = New-TestWorkspace
        $task = New-AgentTask claude $null 'WRITE live.txt now THEN-WAIT 3' $ws
        $ps = New-BackgroundInvoke $ws $task.Id
        $handle = $ps.BeginInvoke()
        $sawStep = $null
        $sawMessage = $null
        while (-not $handle.IsCompleted) {
            if (-not $sawStep -and @($ps.Streams.Progress | Where-Object { $_.CurrentOperation -match 'Write' })) { $sawStep = Get-Date }
            if (-not $sawMessage -and @($ps.Streams.Information | Where-Object { "$($_.MessageData)" -match 'I will write live.txt' })) { $sawMessage = Get-Date }
            Start-Sleep -Milliseconds 20
        }
        $run = $ps.EndInvoke($handle) | Select-Object -Last 1
        $ended = Get-Date
        $ps.Dispose()
        $run.Status | Should -Be 'succeeded' -Because $run.ErrorMessage
        $sawStep | Should -Not -BeNullOrEmpty
        $sawMessage | Should -Not -BeNullOrEmpty
        ($ended - $sawStep).TotalSeconds | Should -BeGreaterThan 1.5   # seen while the model still "thought" (THEN-WAIT 3)
        ($ended - $sawMessage).TotalSeconds | Should -BeGreaterThan 1.5
    }

    It 'Get-MsgcodeTaskRun -Follow streams a running run''s events, and -RunId returns the ended run with its output' {
        if (Skip-Unless) { return }
        $ws = New-TestWorkspace
        $task = New-AgentTask claude $null 'WRITE follow.txt x THEN-WAIT 2' $ws
        $ps = New-BackgroundInvoke $ws $task.Id
        $handle = $ps.BeginInvoke()
        Wait-Until { @(Get-MsgcodeTaskRun -Workspace $ws -Last 1 | Where-Object Status -EQ 'running').Count -eq 1 } | Should -BeTrue
        $runId = (Get-MsgcodeTaskRun -Workspace $ws -Last 1).RunId
        $lines = @(Get-MsgcodeTaskRun -Workspace $ws -RunId $runId -Follow)
        $ran = $ps.EndInvoke($handle) | Select-Object -Last 1
        $ps.Dispose()
        $events = $lines | ConvertFrom-Json
        $events[0].type | Should -Be 'system'
        $events[-1].type | Should -Be 'result'
        $again = Get-MsgcodeTaskRun -Workspace $ws -RunId $runId
        $again.Status | Should -Be 'succeeded'
        $again.Output | Should -Be $ran.Output
        { Get-MsgcodeTaskRun -Workspace $ws -RunId run_nope -ErrorAction Stop } | Should -Throw -ErrorId 'RunNotFound,*'
    }

    It 'Wait-MsgcodeTask on agent runs queued in the daemon returns their final state and output' {
        if (Skip-Unless) { return }
        $ws = New-TestWorkspace
        try {
            $null = Start-MsgcodeDaemon
            $tasks = @(
                New-AgentTask claude $null 'WRITE queued-a.txt one THEN-WAIT 1' $ws
                New-AgentTask opencode 'standin/standin-model' 'WRITE queued-b.txt two' $ws
            )
            $queued = $tasks | Invoke-MsgcodeTask -Queue
            @($queued).Count | Should -Be 2
            $queued.Status | Should -Be @('queued', 'queued')
            # -Follow streams a run that the daemon runs, from before it starts until it ends.
            $followed = @(Get-MsgcodeTaskRun -Workspace $ws -RunId $queued[0].RunId -Follow) | ConvertFrom-Json
            $followed[0].type | Should -Be 'system'
            $followed[-1].type | Should -Be 'result'
            $done = @($queued | Wait-MsgcodeTask -Timeout 120)
            $done.Count | Should -Be 2
            $done.Status | Should -Be @('succeeded', 'succeeded')
            ($done | Sort-Object Runner).Output | Should -Be @('Wrote queued-a.txt.', 'Wrote queued-b.txt.')
            $done.SessionId | Should -Not -BeNullOrEmpty
            Test-Path (Join-Path $ws 'queued-a.txt'), (Join-Path $ws 'queued-b.txt') | Should -Be @($true, $true)
            # A task waits for its newest run; a timeout returns what has ended, as Wait-Job does.
            (Wait-MsgcodeTask -Id $tasks[0].Id -Workspace $ws).Status | Should -Be 'succeeded'
            { Wait-MsgcodeTask -RunId run_01nope -Workspace $ws -ErrorAction Stop } | Should -Throw -ErrorId 'RunNotFound,*'
        }
        finally {
            Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
        }
    }

    It 'a bound chat continues its agent session from message to message, and /new starts a fresh one' {
        if (Skip-Unless) { return }
        $imsg = New-StandInImsg
        $root = Join-Path $TestDrive ('root-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $root | Out-Null
        Set-MsgcodeConfig imsg.path (Join-Path $imsg 'imsg')
        Set-MsgcodeConfig whitelist.emails 'owner@example.com'
        Set-MsgcodeConfig workspace.root $root
        Set-MsgcodeConfig channel.ackDelayMs -1
        try {
            $null = Start-MsgcodeDaemon
            Add-ChatMessage $imsg 1 '/bind chatty claude'
            Wait-Until { (Get-SentCount $imsg 'chatty') -ge 1 } -TimeoutSec 30 | Should -BeTrue
            Add-ChatMessage $imsg 2 'first message gamma'
            Wait-Until { (Get-SentCount $imsg 'ANSWER') -ge 1 } -TimeoutSec 60 | Should -BeTrue
            $before = Get-RequestCount
            Add-ChatMessage $imsg 3 'second message delta'
            Wait-Until { (Get-SentCount $imsg 'ANSWER') -ge 2 } -TimeoutSec 60 | Should -BeTrue
            $second = Get-RequestsSince $before | Where-Object { (Get-StandInUserText $_) -match 'second message delta' } | Select-Object -Last 1
            (Get-StandInUserText $second) -join "`n" | Should -Match 'first message gamma' -Because 'the chat continues its session'

            Add-ChatMessage $imsg 4 '/new'
            Wait-Until { (Get-SentCount $imsg 'fresh agent session') -ge 1 } -TimeoutSec 30 | Should -BeTrue
            $before = Get-RequestCount
            Add-ChatMessage $imsg 5 'third message epsilon'
            Wait-Until { (Get-SentCount $imsg 'ANSWER') -ge 3 } -TimeoutSec 60 | Should -BeTrue
            $third = Get-RequestsSince $before | Where-Object { (Get-StandInUserText $_) -match 'third message epsilon' } | Select-Object -Last 1
            (Get-StandInUserText $third) -join "`n" | Should -Not -Match 'first message gamma|second message delta' -Because '/new started a fresh session'
            $tasks = Get-MsgcodeTask -Workspace (Join-Path $root 'chatty')
            @($tasks | ForEach-Object { (Get-Content -Raw $_.Path | ConvertFrom-Json).session.id } | Select-Object -Unique).Count | Should -Be 2
        }
        finally {
            Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
        }
    }

    It 'lmstudio records usage and keeps the task''s conversation for -Continue' {
        if (Skip-Unless) { return }
        Set-MsgcodeConfig lmstudio.baseUrl $script:StandIn.BaseUrl
        Set-MsgcodeConfig lmstudio.model standin-model
        $ws = New-TestWorkspace
        $task = New-MsgcodeTask -Title 'lm' -Prompt 'lm question zeta' -Runner lmstudio -Workspace $ws
        $first = $task | Invoke-MsgcodeTask
        $first.Status | Should -Be 'succeeded' -Because $first.ErrorMessage
        $first.InputTokens | Should -BeGreaterThan 0
        $first.OutputTokens | Should -BeGreaterThan 0
        $first.Model | Should -Be 'standin-model'
        $first.SessionId | Should -Be $first.RunId
        $before = Get-RequestCount
        $second = Invoke-MsgcodeTask $task.Id -Workspace $ws -Continue -Prompt 'lm follow-up eta' -Force
        $second.Status | Should -Be 'succeeded' -Because $second.ErrorMessage
        $request = Get-RequestsSince $before | Select-Object -Last 1
        $request.body.messages.role | Should -Be @('user', 'assistant', 'user')
        $request.body.messages[0].content | Should -Be 'lm question zeta'
        $request.body.messages[1].content | Should -Be $first.Output
        $request.body.messages[2].content | Should -Be 'lm follow-up eta'
        # A conversation whose artifacts are gone is RunnerSessionNotFound.
        Remove-Item (Join-Path $ws 'tasks' 'artifacts' $second.RunId) -Recurse -Force
        $third = Invoke-MsgcodeTask $task.Id -Workspace $ws -Continue -Prompt 'again' -Force -ErrorAction SilentlyContinue
        $third.ErrorCode | Should -Be 'RunnerSessionNotFound'
    }

    It 'Claude Code refused edits make the run fail with RunnerEditsRefused, never a silent success' {
        if (Skip-Unless) { return }
        Set-MsgcodeConfig claude.permissionMode default
        $ws = New-TestWorkspace
        $task = New-AgentTask claude $null 'WRITE refused.txt nope' $ws
        $run = $task | Invoke-MsgcodeTask -ErrorAction SilentlyContinue -ErrorVariable e
        $run.Status | Should -Be 'failed'
        $run.ErrorCode | Should -Be 'RunnerEditsRefused'
        $run.ErrorMessage | Should -Match 'Write'
        $run.ErrorMessage | Should -Match 'claude.permissionMode'
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerEditsRefused,*'
        Test-Path (Join-Path $ws 'refused.txt') | Should -BeFalse
        (Get-MsgcodeTask $task.Id -Workspace $ws).Status | Should -Be 'blocked'
    }

    It 'the doctor names each CLI''s version and whether it is logged in, without sending anything' {
        if (Skip-Unless) { return }
        $before = Get-RequestCount
        $checks = Test-MsgcodeDoctor -Detailed -Category runners
        $claude = $checks | Where-Object Name -EQ 'claude'
        $claude.Status | Should -Be 'pass'
        $claude.Message | Should -Match 'claude 2\.1\.328 is available; logged in \(ANTHROPIC_API_KEY is set\)'
        $codex = $checks | Where-Object Name -EQ 'codex'
        $codex.Message | Should -Match 'codex 0\.169\.0'
        $codex.Status | Should -Be 'warn'          # codex login status: this CODEX_HOME has no login (the stand-in's key is a provider's env_key)
        $codex.Message | Should -Match 'not logged in \(codex login status: Not logged in\)'
        $opencode = $checks | Where-Object Name -EQ 'opencode'
        $opencode.Message | Should -Match 'opencode 1\.18\.33 is available; logged in'
        Get-RequestCount | Should -Be $before
    }

    It 'an OpenCode model that is not provider/model is refused with RunnerModelInvalid before anything runs' {
        if (Skip-Unless) { return }
        $before = Get-RequestCount
        $run = New-AgentTask opencode 'standin-model' 'hello' | Invoke-MsgcodeTask -ErrorAction SilentlyContinue
        $run.ErrorCode | Should -Be 'RunnerModelInvalid'
        $run.ErrorMessage | Should -Match 'provider/model'
        Get-RequestCount | Should -Be $before
    }
}

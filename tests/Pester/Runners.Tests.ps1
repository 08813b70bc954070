#Requires -Version 7.4
# Runners: the capability registry, declarative runners' template rules, probes, policy, lmstudio and tts.
# The agent CLIs (claude, codex, opencode) run for real in AgentClis.Tests.ps1.

BeforeDiscovery {
    $script:OnUnix = -not $IsWindows
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:SavedPath = $env:PATH

    function New-StandIn([string] $Folder, [string] $Name, [string] $Body) {
        New-Item -ItemType Directory -Force -Path $Folder | Out-Null
        $path = Join-Path $Folder $Name
        Set-Content -Path $path -Value ("#!/bin/sh`n" + $Body) -NoNewline
        & chmod +x $path
        return $path
    }
}

AfterAll {
    $env:PATH = $script:SavedPath
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'The capability registry and Get-MsgcodeRunner' -Skip:(-not $script:OnUnix) {
    BeforeEach {
        $script:TestHome = New-TestHome
        $env:PATH = $script:SavedPath
    }

    It 'lists every built-in runner with a live probe and a fix hint for what is missing' {
        $env:PATH = '/usr/bin:/bin'   # no claude, codex or opencode here
        $runners = Get-MsgcodeRunner
        $runners.Kind | Should -Be @('pwsh', 'shell', 'lmstudio', 'tts', 'asr', 'vision', 'ocr', 'claude', 'codex', 'opencode')
        ($runners | Where-Object Kind -EQ 'pwsh').Available | Should -BeTrue
        ($runners | Where-Object Kind -EQ 'shell').Implementation | Should -Be 'builtin'
        $claude = $runners | Where-Object Kind -EQ 'claude'
        $claude.Available | Should -BeFalse
        $claude.Implementation | Should -Be 'declarative'
        $claude.Egress | Should -BeTrue
        $claude.Problems | Should -Contain "'claude' is not on PATH"
        $claude.FixHint | Should -Match 'npm install -g @anthropic-ai/claude-code'
        (Get-MsgcodeRunner -Kind 'co*').Kind | Should -Be @('codex')
    }

    It 'adds a working runner from the user registry alone: listed, probed, and running a task end to end' {
        $bin = Join-Path $TestDrive ('bin-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $tool = New-StandIn $bin 'shout' @'
if [ "$1" = "--version" ]; then echo "shout 2.3.1"; exit 0; fi
if [ "$1" != "--upper" ]; then echo "usage: shout --upper" >&2; exit 2; fi
tr '[:lower:]' '[:upper:]'
'@
        @{ version = 1; runners = @(@{
            kind = 'shout'; description = 'Upper-cases the prompt'; risk = 'low'; platforms = @('linux', 'macos')
            dependencies = @(@{ type = 'executable'; name = $tool; versionArguments = @('--version'); minVersion = '2.0' })
            command = @{ executable = $tool; arguments = @('--upper'); prompt = 'stdin'; result = @{ from = 'stdout' } }
        }) } | ConvertTo-Json -Depth 6 | Set-Content (Join-Path $script:TestHome 'capabilities.json')
        $info = Get-MsgcodeRunner shout
        $info.Available | Should -BeTrue
        $info.Version | Should -Be '2.3.1'
        $info.Source | Should -Be (Join-Path $script:TestHome 'capabilities.json')
        $ws = New-TestWorkspace
        $run = New-MsgcodeTask -Title 'shout it' -Prompt 'hello registry' -Runner shout -Workspace $ws | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded'
        $run.Preview | Should -Be 'HELLO REGISTRY'
        (Invoke-MsgcodeRunner shout 'again').Output.Trim() | Should -Be 'AGAIN'
    }

    It 'reports a broken registry file or entry and still loads the rest' {
        Set-Content (Join-Path $script:TestHome 'capabilities.json') '{ "version": 1, "runners": [ '
        $runners = Get-MsgcodeRunner -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'CapabilityFileInvalid,*'
        $runners.Kind | Should -Contain 'pwsh'

        '{ "version": 1, "runners": [ { "kind": "half", "description": "no command" }, { "kind": "BAD KIND", "description": "x", "builtin": true } ] }' |
            Set-Content (Join-Path $script:TestHome 'capabilities.json')
        $runners = Get-MsgcodeRunner -ErrorVariable e -ErrorAction SilentlyContinue
        @($e | Where-Object FullyQualifiedErrorId -Like 'CapabilityEntryInvalid,*').Count | Should -Be 2
        $runners.Kind | Should -Not -Contain 'half'
        $runners.Kind | Should -Contain 'shell'
    }

    It 'reports an old version as unavailable' {
        $bin = Join-Path $TestDrive ('bin-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $null = New-StandIn $bin 'claude' 'echo "0.9.1 (Claude Code)"'
        $env:PATH = "$bin$([IO.Path]::PathSeparator)$script:SavedPath"
        $claude = Get-MsgcodeRunner claude
        $claude.Available | Should -BeFalse
        $claude.Version | Should -Be '0.9.1'
        $claude.Problems[0] | Should -Match 'older than the 1.0.0'
    }
}

Describe 'Declarative runners: arguments, placeholders and policy' -Skip:(-not $script:OnUnix) {
    # The agent CLIs themselves are tested for real in AgentClis.Tests.ps1; these are the template's own rules.
    BeforeEach {
        $script:TestHome = New-TestHome
        $env:PATH = $script:SavedPath
    }

    It 'fills placeholders in the template only: a prompt that holds {workspace} or {model} reaches the runner as typed' {
        @{ version = 1; runners = @(@{ kind = 'echoer'; description = 'echoes its arguments'; risk = 'low'
            command = @{ executable = '/bin/echo'; arguments = @('[{prompt}]', '{model}'); prompt = 'argument'; result = @{ from = 'stdout' } } }) } |
            ConvertTo-Json -Depth 6 | Set-Content (Join-Path $script:TestHome 'capabilities.json')
        $out = Invoke-MsgcodeRunner echoer 'in {workspace} with {model} and {config:policy.mode}' -Model m1
        $out.Output.Trim() | Should -Be '[in {workspace} with {model} and {config:policy.mode}] m1'
    }

    It 'a prompt over the system''s argument limit is RunnerArgumentsTooLong, not RunnerNotFound' -Skip:(-not $IsLinux) {
        @{ version = 1; runners = @(@{ kind = 'argy'; description = 'takes the prompt as an argument'; risk = 'low'
            command = @{ executable = '/bin/echo'; arguments = @('{prompt}'); prompt = 'argument'; result = @{ from = 'stdout' } } }) } |
            ConvertTo-Json -Depth 6 | Set-Content (Join-Path $script:TestHome 'capabilities.json')
        $ws = New-TestWorkspace
        $run = New-MsgcodeTask -Title 'big' -Prompt ('x' * 200KB) -Runner argy -Workspace $ws | Invoke-MsgcodeTask -ErrorVariable e -ErrorAction SilentlyContinue
        $run.Status | Should -Be 'failed'
        $run.ErrorCode | Should -Be 'RunnerArgumentsTooLong'
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerArgumentsTooLong,*'
        $run.ErrorMessage | Should -Match 'standard input'
    }

    It 'the built-in agent entries pass the prompt on stdin, never as an argument' {
        $entries = (Get-Content -Raw (Join-Path (Split-Path (Get-TestModulePath)) 'capabilities.json') | ConvertFrom-Json).runners |
            Where-Object { $_.kind -in 'claude', 'codex', 'opencode' }
        $entries.Count | Should -Be 3
        foreach ($entry in $entries) {
            $entry.command.prompt | Should -Be 'stdin' -Because $entry.kind
            @($entry.command.arguments) + @($entry.command.resumeArguments) | Should -Not -Contain '{prompt}'
        }
    }

    It 'refuses runners that send data off the machine under local-only, for tasks and one-shot calls, before the CLI starts' {
        $bin = Join-Path $TestDrive ('bin-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $calls = Join-Path $bin 'calls.log'
        foreach ($name in 'claude', 'codex') { $null = New-StandIn $bin $name "echo `"`$0 `$*`" >> '$calls'" }
        $env:PATH = "$bin$([IO.Path]::PathSeparator)$script:SavedPath"
        $ws = New-TestWorkspace
        Set-MsgcodeConfig -Name policy.mode -Value local-only -Workspace $ws
        $task = New-MsgcodeTask -Title 'c' -Prompt 'p' -Runner claude -Workspace $ws
        $task | Invoke-MsgcodeTask -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerBlockedByPolicy,*'
        $e[0].Exception.Message | Should -Match 'policy.mode'
        (Get-MsgcodeTask -Id $task.Id -Workspace $ws).Status | Should -Be 'open'
        Invoke-MsgcodeRunner codex 'p' -Workspace $ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerBlockedByPolicy,*'
        Test-Path $calls | Should -BeFalse -Because 'no CLI ran'
        (Invoke-MsgcodeRunner shell 'echo local' -Workspace $ws).Output.Trim() | Should -Be 'local'
    }
}

Describe 'Runner failures' -Skip:(-not $script:OnUnix) {
    BeforeEach {
        $script:TestHome = New-TestHome
        $env:PATH = $script:SavedPath
    }

    It 'says how to install a missing executable, and names an unknown kind' {
        $env:PATH = '/usr/bin:/bin'
        Invoke-MsgcodeRunner opencode 'x' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerUnavailable,*'
        $e[0].Exception.Message | Should -Match 'opencode-ai'
        Invoke-MsgcodeRunner nosuch 'x' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerNotFound,*'
    }

    It 'caps a huge output in the result and keeps all of it in the artifact' {
        $out = Invoke-MsgcodeRunner shell 'head -c 5000000 /dev/zero | tr "\0" "x"'
        $out.Status | Should -Be 'succeeded'
        $out.OutputTruncated | Should -BeTrue
        $out.Output.Length | Should -Be (1MB)
        (Get-Item $out.Artifacts[0]).Length | Should -Be 5000000
    }

    It 'a disk that fills during a run never blocks the runner: the run fails at once with DiskFull and the task leaves running' -Skip:(-not $IsLinux) {
        if ((& id -u) -ne '0') { Set-ItResult -Skipped -Because 'mounting the small tmpfs needs root'; return }
        $ws = Join-Path $TestDrive ('tmpfs-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $ws | Out-Null
        & mount -t tmpfs -o size=2m tmpfs $ws
        $LASTEXITCODE | Should -Be 0
        try {
            $task = New-MsgcodeTask -Title 'flood' -Prompt 'head -c 8000000 /dev/zero | tr "\0" "x"; echo finished >&2' -Runner shell -Workspace $ws
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $run = $task | Invoke-MsgcodeTask -TimeoutSec 120 -ErrorVariable e -ErrorAction SilentlyContinue
            $clock.Stop()
            $run.Status | Should -Be 'failed'
            $run.ErrorCode | Should -Be 'DiskFull'
            $e[0].FullyQualifiedErrorId | Should -BeLike 'DiskFull,*'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'the output is drained, so the child runs to its end'
            (Get-MsgcodeTask $task.Id -Workspace $ws).Status | Should -Be 'blocked'
            (Get-MsgcodeTaskRun -Workspace $ws -Last 1).ErrorCode | Should -Be 'DiskFull'
        }
        finally { & umount $ws }
    }

    It 'reports an answer that is not in the promised shape' {
        $bin = Join-Path $TestDrive ('bin-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $tool = New-StandIn $bin 'notjson' 'echo "<html>oops</html>"'
        @{ version = 1; runners = @(@{ kind = 'notjson'; description = 'prints HTML'; risk = 'low'
            command = @{ executable = $tool; arguments = @(); prompt = 'argument'; result = @{ from = 'json'; field = 'result' } } }) } |
            ConvertTo-Json -Depth 6 | Set-Content (Join-Path $script:TestHome 'capabilities.json')
        $out = Invoke-MsgcodeRunner notjson 'x' -ErrorVariable e -ErrorAction SilentlyContinue
        $out.Status | Should -Be 'failed'
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerOutputInvalid,*'
    }

    It 'redacts secret settings from what the ledger records' {
        $secret = 'sk-' + [guid]::NewGuid().ToString('N')
        $env:MSGCODE_LMSTUDIO_API_KEY = $secret
        try {
            $ws = New-TestWorkspace
            $run = New-MsgcodeTask -Title 'leak' -Prompt "echo token=$secret; exit 4" -Runner shell -Workspace $ws | Invoke-MsgcodeTask -ErrorAction SilentlyContinue
            $run.Preview | Should -Not -Match $secret
            $ledger = Get-Content -Raw (Join-Path $ws 'tasks' 'runs.jsonl')
            $ledger | Should -Not -Match $secret
            $ledger | Should -Match 'token=\*\*\*\*\*\*\*\*'
        }
        finally { $env:MSGCODE_LMSTUDIO_API_KEY = $null }
    }
}

Describe 'Secrets and prompts stay private' -Skip:(-not $IsLinux) {
    BeforeEach {
        $script:TestHome = New-TestHome
        $env:PATH = $script:SavedPath
    }
    AfterEach {
        $env:MSGCODE_LMSTUDIO_API_KEY = $null
    }

    It 'redacts every layer''s value of a secret, not only the effective one, from the ledger, the summary and the artifacts' {
        $stored = 'sk-state-' + [guid]::NewGuid().ToString('N')
        $fromEnv = 'sk-env-' + [guid]::NewGuid().ToString('N')
        Set-MsgcodeConfig lmstudio.apiKey $stored
        $env:MSGCODE_LMSTUDIO_API_KEY = $fromEnv          # wins over state.json; the stored value is only shadowed
        $ws = New-TestWorkspace
        $task = New-MsgcodeTask -Title 'leak' -Prompt "echo stored=$stored; exit 3" -Runner shell -Workspace $ws
        $run = $task | Invoke-MsgcodeTask -ErrorAction SilentlyContinue
        $run.Preview | Should -Match 'stored=\*{8}'
        Get-Content -Raw (Join-Path $ws 'tasks' 'runs.jsonl') | Should -Not -Match $stored
        (Get-MsgcodeTask $task.Id -Workspace $ws).LastSummary | Should -Not -Match $stored
    }

    It 'runners do not inherit msgcode''s secret variables unless their entry names them' {
        $env:MSGCODE_LMSTUDIO_API_KEY = 'sk-inherit-' + [guid]::NewGuid().ToString('N')
        (Invoke-MsgcodeRunner shell 'echo "key=[$MSGCODE_LMSTUDIO_API_KEY]"').Output.Trim() | Should -Be 'key=[]'
        @{ version = 1; runners = @(@{ kind = 'needskey'; description = 'is given the key by name'; risk = 'low'; secretVariables = @('MSGCODE_LMSTUDIO_API_KEY')
            command = @{ executable = '/bin/sh'; arguments = @('-c', 'printf "%s" "$MSGCODE_LMSTUDIO_API_KEY" | wc -c'); prompt = 'stdin'; result = @{ from = 'stdout' } } }) } |
            ConvertTo-Json -Depth 6 | Set-Content (Join-Path $script:TestHome 'capabilities.json')
        (Invoke-MsgcodeRunner needskey 'x').Output.Trim() | Should -Be ([string]$env:MSGCODE_LMSTUDIO_API_KEY.Length)

        # A task's run (the path the daemon's queued runs take too) hides it as well: the runner gets nothing, not a redacted value.
        $ws = New-TestWorkspace
        $key = New-MsgcodeTask -Title 'env' -Prompt 'echo "key=[${MSGCODE_LMSTUDIO_API_KEY:-unset}]"' -Runner shell -Workspace $ws
        ($key | Invoke-MsgcodeTask).Preview | Should -Be 'key=[unset]'
    }

    It 'a shell prompt is never in a process''s arguments: it runs from a script only the user can read, byte for byte' {
        $marker = 'MARK' + [guid]::NewGuid().ToString('N')
        $ws = New-TestWorkspace
        $prompt = "# $marker`r`nsleep 2`nprintf 'done'`n`n"
        $task = New-MsgcodeTask -Title 'private' -Prompt $prompt -Runner shell -Workspace $ws
        $job = Start-ThreadJob -ArgumentList (Get-TestModulePath), $ws, $task.Id -ScriptBlock { param($m, $ws, $id) Import-Module $m; Invoke-MsgcodeTask $id -Workspace $ws }
        try {
            Wait-Until { Get-ChildItem (Join-Path $ws 'tasks' 'artifacts') -Recurse -Filter script.sh -ErrorAction SilentlyContinue } | Should -BeTrue
            Start-Sleep -Milliseconds 300
            $seen = Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -Match '^\d+$' | Where-Object {
                try { [IO.File]::ReadAllText("$($_.FullName)/cmdline") -match $marker } catch { $false }
            }
            $seen | Should -BeNullOrEmpty
            $script = Get-ChildItem (Join-Path $ws 'tasks' 'artifacts') -Recurse -Filter script.sh | Select-Object -First 1
            (Get-Item $script.FullName).UnixMode | Should -Be '-rw-------'
            [IO.File]::ReadAllText($script.FullName) | Should -BeExactly $prompt
            ($job | Wait-Job -Timeout 30 | Receive-Job).Status | Should -Be 'succeeded'
        }
        finally { $job | Remove-Job -Force }
    }
}

Describe 'The lmstudio runner against a loopback stand-in server' {
    BeforeAll {
        $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $probe.Start(); $script:Port = $probe.LocalEndpoint.Port; $probe.Stop()
        $script:Listener = [Net.HttpListener]::new()
        $script:Listener.Prefixes.Add("http://127.0.0.1:$script:Port/")
        $script:Listener.Start()
        $script:Server = Start-ThreadJob -ArgumentList $script:Listener -ScriptBlock {
            param($listener)
            $deadline = [DateTime]::UtcNow.AddMinutes(5)   # bounded: it stops by itself
            while ([DateTime]::UtcNow -lt $deadline -and $listener.IsListening) {
                try { $context = $listener.GetContext() } catch { break }   # Stop() ends the wait
                $request = $context.Request
                $body = [IO.StreamReader]::new($request.InputStream).ReadToEnd()
                $status = 200; $type = 'application/json'
                if ($request.Url.AbsolutePath -eq '/v1/models') { $reply = '{"object":"list","data":[{"id":"qwen-test","object":"model"}]}' }
                elseif ($request.Url.AbsolutePath -eq '/v1/chat/completions' -and $request.HttpMethod -eq 'POST') {
                    $json = $body | ConvertFrom-Json
                    $content = $json.messages[0].content
                    if ($content -eq 'SLOW') { Start-Sleep -Seconds 5 }
                    if ($content -eq 'HTML') { $type = 'text/html'; $reply = '<html><body>LM Studio</body></html>' }
                    elseif ($content -eq 'ERROR') { $status = 500; $reply = '{"error":"model crashed"}' }
                    else {
                        $auth = $request.Headers['Authorization']
                        $reply = @{ id = 'c1'; object = 'chat.completion'; model = $json.model
                            choices = @(@{ index = 0; finish_reason = 'stop'; message = @{ role = 'assistant'; content = "echo: $content via $($json.model) max=$($json.max_tokens) auth=$auth" } }) } | ConvertTo-Json -Depth 5
                    }
                }
                else { $status = 404; $reply = '{"error":"not found"}' }
                $bytes = [Text.Encoding]::UTF8.GetBytes($reply)
                $context.Response.StatusCode = $status
                $context.Response.ContentType = $type
                try { $context.Response.OutputStream.Write($bytes, 0, $bytes.Length); $context.Response.Close() } catch { }
            }
        }
        $script:BaseUrl = "http://127.0.0.1:$script:Port"
    }
    AfterAll {
        $script:Listener.Stop()
        $script:Server | Wait-Job -Timeout 10 | Remove-Job -Force
    }
    BeforeEach {
        $script:TestHome = New-TestHome
        Set-MsgcodeConfig -Name lmstudio.baseUrl -Value $script:BaseUrl
    }

    It 'is probed available, picks the first loaded model for auto, and sends the key and max_tokens' {
        $env:MSGCODE_LMSTUDIO_API_KEY = 'sk-local-test'
        try {
            (Get-MsgcodeRunner lmstudio).Available | Should -BeTrue
            Set-MsgcodeConfig -Name lmstudio.maxTokens -Value 77
            $out = Invoke-MsgcodeRunner lmstudio 'hello model'
            $out.Status | Should -Be 'succeeded'
            $out.Output | Should -Be 'echo: hello model via qwen-test max=77 auth=Bearer sk-local-test'
            (Invoke-MsgcodeRunner lmstudio 'hi' -Model other).Output | Should -Match 'via other '
        }
        finally { $env:MSGCODE_LMSTUDIO_API_KEY = $null }
    }

    It 'runs a task and records the answer' {
        $ws = New-TestWorkspace
        $run = New-MsgcodeTask -Title 'ask' -Prompt 'what is 2+2' -Runner lmstudio -Workspace $ws | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded'
        $run.Preview | Should -Match '^echo: what is 2\+2 via qwen-test'
    }

    It 'a workspace that points lmstudio.baseUrl elsewhere gets the user''s key only once the user trusts it' {
        Set-MsgcodeConfig lmstudio.apiKey 'sk-user-secret'
        $ws = New-TestWorkspace
        New-Item -ItemType Directory -Path (Join-Path $ws '.msgcode') | Out-Null
        # The endpoint is the workspace's choice (here the same stand-in, as the workspace names it), not the user's.
        @{ 'lmstudio.baseUrl' = "$script:BaseUrl/" } | ConvertTo-Json | Set-Content (Join-Path $ws '.msgcode' 'config.json')
        $out = Invoke-MsgcodeRunner lmstudio 'who am i' -Workspace $ws
        $out.Status | Should -Be 'succeeded'
        $out.Output | Should -Match 'auth=$' -Because 'the user''s key is not sent to a server the workspace chose'
        Push-Location $ws
        try { $check = Test-MsgcodeDoctor -Detailed -Category configuration | Where-Object Name -EQ 'lmstudio.baseUrl@workspace' }
        finally { Pop-Location }
        $check.Status | Should -Be 'warn'
        $check.FixHint | Should -Match 'workspace.trusted'
        Set-MsgcodeConfig workspace.trusted $ws
        (Invoke-MsgcodeRunner lmstudio 'who am i' -Workspace $ws).Output | Should -Match 'auth=Bearer sk-user-secret$'
        # The user's own endpoint always gets the user's key.
        Set-MsgcodeConfig workspace.trusted @()
        (Invoke-MsgcodeRunner lmstudio 'who am i').Output | Should -Match 'auth=Bearer sk-user-secret$'
    }

    It 'a workspace may tighten policy.mode but never loosen it' {
        Set-MsgcodeConfig policy.mode local-only
        $ws = New-TestWorkspace
        New-Item -ItemType Directory -Path (Join-Path $ws '.msgcode') | Out-Null
        @{ 'policy.mode' = 'egress-allowed' } | ConvertTo-Json | Set-Content (Join-Path $ws '.msgcode' 'config.json')
        $entry = Get-MsgcodeEffectiveConfig policy.mode -Workspace $ws -ErrorVariable e -ErrorAction SilentlyContinue
        $entry.Value | Should -Be 'local-only'
        $entry.Source | Should -Be 'State'
        @($e | Where-Object { $_.FullyQualifiedErrorId -like 'ConfigWorkspaceCannotLoosen,*' }).Count | Should -BeGreaterThan 0
        $task = New-MsgcodeTask -Title 'out' -Prompt 'p' -Runner claude -Workspace $ws
        $task | Invoke-MsgcodeTask -ErrorVariable r -ErrorAction SilentlyContinue
        $r[0].FullyQualifiedErrorId | Should -BeLike 'RunnerBlockedByPolicy,*'
        # Tightening is a workspace's to do.
        Set-MsgcodeConfig policy.mode egress-allowed
        @{ 'policy.mode' = 'local-only' } | ConvertTo-Json | Set-Content (Join-Path $ws '.msgcode' 'config.json')
        (Get-MsgcodeEffectiveConfig policy.mode -Workspace $ws).Value | Should -Be 'local-only'
    }

    It 'reports an error status, an HTML reply and a reply slower than lmstudio.timeoutMs' {
        $out = Invoke-MsgcodeRunner lmstudio 'ERROR' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerFailed,*'
        $out.ErrorMessage | Should -Match '500'
        Invoke-MsgcodeRunner lmstudio 'HTML' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerOutputInvalid,*'
        Set-MsgcodeConfig -Name lmstudio.timeoutMs -Value 500
        $out = Invoke-MsgcodeRunner lmstudio 'SLOW' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerTimedOut,*'
        $out.DurationSeconds | Should -BeLessThan 4
    }

    It 'is refused under local-only when its URL leaves the machine, and allowed on loopback' {
        Set-MsgcodeConfig -Name policy.mode -Value local-only
        (Invoke-MsgcodeRunner lmstudio 'on loopback').Status | Should -Be 'succeeded'
        Set-MsgcodeConfig -Name lmstudio.baseUrl -Value 'http://lmstudio.invalid:1234'
        Invoke-MsgcodeRunner lmstudio 'x' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerBlockedByPolicy,*'
    }
}

Describe 'The tts runner' -Skip:(-not $script:OnUnix) {
    BeforeEach {
        $script:TestHome = New-TestHome
        $env:PATH = $script:SavedPath
    }

    It 'speaks text into a real audio file with espeak-ng' {
        if ($IsMacOS) { Set-ItResult -Skipped -Because 'macOS uses say; this checks espeak-ng' ; return }
        if (-not (Get-Command espeak-ng -ErrorAction SilentlyContinue)) { Set-ItResult -Skipped -Because 'espeak-ng is not installed here (Debian: apt-get install espeak-ng)'; return }
        (Get-MsgcodeRunner tts).Available | Should -BeTrue
        $out = Invoke-MsgcodeRunner tts 'Hello from msgcode. The build is green.'
        $out.Status | Should -Be 'succeeded'
        $wav = $out.Artifacts | Where-Object { $_ -like '*speech.wav' }
        $bytes = [IO.File]::ReadAllBytes($wav)
        [Text.Encoding]::ASCII.GetString($bytes, 0, 4) | Should -Be 'RIFF'
        [Text.Encoding]::ASCII.GetString($bytes, 8, 4) | Should -Be 'WAVE'
        $bytes.Length | Should -BeGreaterThan 10000
        $ws = New-TestWorkspace
        $run = New-MsgcodeTask -Title 'say it' -Prompt 'Done.' -Runner tts -Workspace $ws | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded'
        $run.Artifacts | Should -Contain "tasks/artifacts/$($run.RunId)/speech.wav"
    }

    It 'names what to install when its backend is missing' {
        $env:PATH = '/nonexistent'
        Set-MsgcodeConfig -Name tts.backend -Value espeak-ng
        Invoke-MsgcodeRunner tts 'x' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerUnavailable,*'
        $e[0].Exception.Message | Should -Match 'apt-get install espeak-ng'
        (Get-MsgcodeRunner tts).FixHint | Should -Match 'espeak-ng'
    }
}

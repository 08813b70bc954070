#Requires -Version 7.4
# Secret settings kept as secrets, with the real module, real files and real modes: lmstudio.apiKey is never in
# state.json; without a vault only the 0600 secrets file holds it, with a SecretManagement vault (a stand-in module of
# the documented cmdlets, tests/Fixtures/SecretManagement) no file under the home does; the runner and the daemon still
# send it; a locked or missing vault is a clear error that writes nothing; a key set in the environment is written nowhere.

BeforeDiscovery {
    $script:Unix = $IsLinux -or $IsMacOS
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:SavedModulePath = $env:PSModulePath
    $script:StandInModules = Join-Path $PSScriptRoot '..' 'Fixtures' 'SecretManagement' | Resolve-Path | Select-Object -ExpandProperty Path
    $script:OwnerOnly = [IO.UnixFileMode]'UserRead, UserWrite'

    function Get-FilesHolding([string] $Path, [string] $Value) {
        # Every file under $Path whose bytes hold $Value (the test's whole greps, not a sample).
        @(Get-ChildItem -LiteralPath $Path -Recurse -File -Force | Where-Object {
            [IO.File]::ReadAllText($_.FullName).Contains($Value)
        } | ForEach-Object FullName)
    }
    function Set-StandInVaults([object[]] $Vaults) {
        @{ vaults = @($Vaults) } | ConvertTo-Json -Depth 4 | Set-Content (Join-Path $env:MSGCODE_TEST_VAULT_DIR 'registry.json')
    }
    function Get-LastAuthorization { Get-Content $script:AuthLog -ErrorAction SilentlyContinue | Select-Object -Last 1 }
    function Get-StandInSecrets([string] $Vault) {
        $file = Join-Path $env:MSGCODE_TEST_VAULT_DIR "$Vault.json"
        if (Test-Path $file) { Get-Content -Raw $file | ConvertFrom-Json -AsHashtable } else { @{} }
    }

    # LM Studio stand-in on loopback: logs the Authorization header of each chat completion (outside the home) and answers
    # without it, as LM Studio does (an answer that quoted the key would be the model's output, not msgcode's storage).
    $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $probe.Start(); $script:Port = $probe.LocalEndpoint.Port; $probe.Stop()
    $script:AuthLog = Join-Path $TestDrive 'lmstudio-auth.log'
    $script:Listener = [Net.HttpListener]::new()
    $script:Listener.Prefixes.Add("http://127.0.0.1:$script:Port/")
    $script:Listener.Start()
    $script:Server = Start-ThreadJob -ArgumentList $script:Listener, $script:AuthLog -ScriptBlock {
        param($listener, $log)
        $deadline = [DateTime]::UtcNow.AddMinutes(10)   # bounded: it stops by itself
        while ([DateTime]::UtcNow -lt $deadline -and $listener.IsListening) {
            try { $context = $listener.GetContext() } catch { break }
            $request = $context.Request
            $body = [IO.StreamReader]::new($request.InputStream).ReadToEnd()
            $auth = [string]$request.Headers['Authorization']
            if ($request.Url.AbsolutePath -eq '/v1/models') { $reply = '{"object":"list","data":[{"id":"qwen-test","object":"model"}]}' }
            else {
                Add-Content -LiteralPath $log -Value $auth
                $json = $body | ConvertFrom-Json
                $reply = @{ id = 'c1'; object = 'chat.completion'; model = $json.model
                    choices = @(@{ index = 0; finish_reason = 'stop'; message = @{ role = 'assistant'; content = "echo: $($json.messages[-1].content)" } }) } | ConvertTo-Json -Depth 5
            }
            $bytes = [Text.Encoding]::UTF8.GetBytes($reply)
            $context.Response.ContentType = 'application/json'
            try { $context.Response.OutputStream.Write($bytes, 0, $bytes.Length); $context.Response.Close() } catch { }
        }
    }
    $script:BaseUrl = "http://127.0.0.1:$script:Port"
}

AfterAll {
    $script:Listener.Stop()
    $script:Server | Wait-Job -Timeout 10 | Remove-Job -Force
    $env:PSModulePath = $script:SavedModulePath
    $env:MSGCODE_TEST_VAULT_DIR = $null
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Secret settings' -Skip:(-not $script:Unix) {
    BeforeEach {
        $script:TestHome = New-TestHome
        $env:MSGCODE_TEST_VAULT_DIR = Join-Path $TestDrive ('vaults-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $env:MSGCODE_TEST_VAULT_DIR | Out-Null
        $env:MSGCODE_LMSTUDIO_API_KEY = $null
        Set-MsgcodeConfig lmstudio.baseUrl $script:BaseUrl
        $script:Secret = 'sk-' + [guid]::NewGuid().ToString('N')
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        $env:PSModulePath = $script:SavedModulePath
        $env:MSGCODE_LMSTUDIO_API_KEY = $null
    }

    Context 'without a vault' {
        It 'keeps lmstudio.apiKey out of state.json: only the 0600 secrets file holds it, and the runner still sends it' {
            Set-MsgcodeConfig lmstudio.apiKey $script:Secret
            $secrets = Join-Path $script:TestHome 'secrets.json'
            Get-FilesHolding $script:TestHome $script:Secret | Should -Be @($secrets)
            (Get-Item $secrets).UnixFileMode | Should -Be $script:OwnerOnly
            (Get-Item (Join-Path $script:TestHome 'state.json')).UnixFileMode | Should -Be $script:OwnerOnly
            (Get-Content -Raw (Join-Path $script:TestHome 'state.json') | ConvertFrom-Json).config.'lmstudio.apiKey'.secretName | Should -Be 'msgcode.lmstudio.apiKey'

            $entry = Get-MsgcodeEffectiveConfig lmstudio.apiKey
            $entry.Source | Should -Be 'State'
            $entry.SourcePath | Should -Be $secrets
            $entry.Value | Should -Be '********'
            (Invoke-MsgcodeRunner lmstudio 'hi').Output | Should -Be 'echo: hi'
            Get-LastAuthorization | Should -Be "Bearer $script:Secret"

            Reset-MsgcodeConfig lmstudio.apiKey
            Get-FilesHolding $script:TestHome $script:Secret | Should -BeNullOrEmpty
            (Get-MsgcodeEffectiveConfig lmstudio.apiKey).Source | Should -Be 'Default'
        }

        It 'accepts the value as a SecureString, by -SecureValue or by -Value' {
            Set-MsgcodeConfig lmstudio.apiKey -SecureValue (ConvertTo-SecureString $script:Secret -AsPlainText -Force)
            (Invoke-MsgcodeRunner lmstudio 'a').Output | Should -Be 'echo: a'
            Get-LastAuthorization | Should -Be "Bearer $script:Secret"
            $other = 'sk-other-' + [guid]::NewGuid().ToString('N')
            Set-MsgcodeConfig -Name lmstudio.apiKey -Value (ConvertTo-SecureString $other -AsPlainText -Force)
            (Invoke-MsgcodeRunner lmstudio 'b').Output | Should -Be 'echo: b'
            Get-LastAuthorization | Should -Be "Bearer $other"
            Get-FilesHolding $script:TestHome $script:Secret | Should -BeNullOrEmpty
            Get-FilesHolding $script:TestHome $other | Should -Be @(Join-Path $script:TestHome 'secrets.json')
        }

        It 'refuses -Vault for a key that is not secret, and for a vault that does not exist' {
            Set-MsgcodeConfig lmstudio.model qwen -Vault Personal -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -BeLike 'ConfigVaultNotApplicable,*'
            Set-MsgcodeConfig lmstudio.apiKey $script:Secret -Vault Personal -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -BeLike 'SecretVaultNotFound,*'
            $e[0].TargetObject | Should -Be 'Personal'
            Get-FilesHolding $script:TestHome $script:Secret | Should -BeNullOrEmpty
        }

        It 'never writes a key set in the environment, whatever runs: settings, the runner, the doctor, the daemon' {
            $env:MSGCODE_LMSTUDIO_API_KEY = $script:Secret
            Set-MsgcodeConfig lmstudio.model qwen-test
            (Invoke-MsgcodeRunner lmstudio 'env').Output | Should -Be 'echo: env'
            Get-LastAuthorization | Should -Be "Bearer $script:Secret"
            $null = Test-MsgcodeDoctor -Detailed -Category home, configuration
            $ws = New-TestWorkspace
            Set-Content $script:AuthLog -Value 'before the daemon'   # so what follows is the daemon's request
            $null = Start-MsgcodeDaemon
            $run = New-MsgcodeTask -Title 'env' -Prompt 'from the daemon' -Runner lmstudio -Workspace $ws | Invoke-MsgcodeTask -Queue | Wait-MsgcodeTask -Timeout 60
            $run.Status | Should -Be 'succeeded'
            Stop-MsgcodeDaemon -TimeoutSec 10 | Out-Null
            Get-LastAuthorization | Should -Be "Bearer $script:Secret"
            Get-FilesHolding $script:TestHome $script:Secret | Should -BeNullOrEmpty
            Get-FilesHolding $ws $script:Secret | Should -BeNullOrEmpty
        }

        It 'the doctor warns about a key left in clear in state.json by an older version; setting it again moves it' {
            @{ version = 1; config = @{ 'lmstudio.apiKey' = $script:Secret; 'lmstudio.baseUrl' = $script:BaseUrl } } | ConvertTo-Json | Set-Content (Join-Path $script:TestHome 'state.json')
            (Invoke-MsgcodeRunner lmstudio 'old').Output | Should -Be 'echo: old'
            Get-LastAuthorization | Should -Be "Bearer $script:Secret" -Because 'a value from an older version still works'
            $check = Test-MsgcodeDoctor -Detailed -Category home | Where-Object Name -EQ 'secrets-in-clear'
            $check.Status | Should -Be 'warn'
            $check.FixHint | Should -Match 'Set-MsgcodeConfig lmstudio\.apiKey -SecureValue'
            Set-MsgcodeConfig lmstudio.apiKey -SecureValue (ConvertTo-SecureString $script:Secret -AsPlainText -Force)
            Get-FilesHolding $script:TestHome $script:Secret | Should -Be @(Join-Path $script:TestHome 'secrets.json')
            (Test-MsgcodeDoctor -Detailed -Category home | Where-Object Name -EQ 'secrets-in-clear').Status | Should -Be 'pass'
        }

        It 'the doctor warns when a file that may hold secrets is readable by others, with the chmod that fixes it' {
            Set-MsgcodeConfig lmstudio.apiKey $script:Secret
            $check = Test-MsgcodeDoctor -Detailed -Category home | Where-Object Name -EQ 'file-modes'
            $check.Status | Should -Be 'pass'
            $envFile = Join-Path $script:TestHome '.env'
            Set-Content $envFile 'MSGCODE_LMSTUDIO_MODEL=qwen'
            & chmod 644 $envFile (Join-Path $script:TestHome 'state.json')
            $check = Test-MsgcodeDoctor -Detailed -Category home | Where-Object Name -EQ 'file-modes'
            $check.Status | Should -Be 'warn'
            $check.FixHint | Should -Match '^chmod 600 '
            $check.FixHint | Should -Match ([regex]::Escape($envFile))
            $check.FixHint | Should -Not -Match 'secrets\.json'
            Set-MsgcodeConfig log.level debug   # msgcode's next write puts state.json back to 0600
            (Get-Item (Join-Path $script:TestHome 'state.json')).UnixFileMode | Should -Be $script:OwnerOnly
        }
    }

    Context 'with a SecretManagement vault (stand-in module on PSModulePath)' {
        BeforeEach {
            $env:PSModulePath = $script:StandInModules + [IO.Path]::PathSeparator + $script:SavedModulePath
            Set-StandInVaults @(@{ name = 'Personal'; isDefault = $true; locked = $false }, @{ name = 'Work'; isDefault = $false; locked = $false })
        }

        It 'puts the value in the default vault: no file under the home holds it; the runner and the daemon still send it' {
            Set-MsgcodeConfig lmstudio.apiKey $script:Secret
            Get-FilesHolding $script:TestHome $script:Secret | Should -BeNullOrEmpty
            (Get-StandInSecrets Personal)['msgcode.lmstudio.apiKey'] | Should -Be $script:Secret
            $reference = (Get-Content -Raw (Join-Path $script:TestHome 'state.json') | ConvertFrom-Json).config.'lmstudio.apiKey'
            $reference.secretName | Should -Be 'msgcode.lmstudio.apiKey'
            $reference.vault | Should -Be 'Personal'
            $entry = Get-MsgcodeEffectiveConfig lmstudio.apiKey
            $entry.Source | Should -Be 'State'
            $entry.SourcePath | Should -Be 'vault:Personal/msgcode.lmstudio.apiKey'
            $entry.Value | Should -Be '********'
            (Invoke-MsgcodeRunner lmstudio 'in process').Output | Should -Be 'echo: in process'
            Get-LastAuthorization | Should -Be "Bearer $script:Secret"

            $ws = New-TestWorkspace
            Set-Content $script:AuthLog -Value 'before the daemon'   # so what follows is the daemon's request
            $null = Start-MsgcodeDaemon
            $run = New-MsgcodeTask -Title 'vault' -Prompt 'from the daemon' -Runner lmstudio -Workspace $ws | Invoke-MsgcodeTask -Queue | Wait-MsgcodeTask -Timeout 60
            $run.Status | Should -Be 'succeeded'
            Get-LastAuthorization | Should -Be "Bearer $script:Secret" -Because 'the daemon read the key from the vault'
            Stop-MsgcodeDaemon -TimeoutSec 10 | Out-Null
            Get-FilesHolding $script:TestHome $script:Secret | Should -BeNullOrEmpty
            Get-FilesHolding $ws $script:Secret | Should -BeNullOrEmpty

            Reset-MsgcodeConfig lmstudio.apiKey
            (Get-StandInSecrets Personal).ContainsKey('msgcode.lmstudio.apiKey') | Should -BeFalse
        }

        It 'uses the vault named by -Vault, and moves a value out of the secrets file into it' {
            Set-StandInVaults @(@{ name = 'Work'; isDefault = $false; locked = $false })
            Set-MsgcodeConfig lmstudio.apiKey $script:Secret    # no default vault: the 0600 file
            Get-FilesHolding $script:TestHome $script:Secret | Should -Be @(Join-Path $script:TestHome 'secrets.json')
            Set-MsgcodeConfig lmstudio.apiKey $script:Secret -Vault Work -WhatIf
            (Get-StandInSecrets Work).Count | Should -Be 0
            Set-MsgcodeConfig lmstudio.apiKey $script:Secret -Vault Work
            (Get-StandInSecrets Work)['msgcode.lmstudio.apiKey'] | Should -Be $script:Secret
            Get-FilesHolding $script:TestHome $script:Secret | Should -BeNullOrEmpty
            (Invoke-MsgcodeRunner lmstudio 'work').Output | Should -Be 'echo: work'
            Get-LastAuthorization | Should -Be "Bearer $script:Secret"
        }

        It 'a locked vault is a clear error and nothing is written in clear anywhere' {
            Set-StandInVaults @(@{ name = 'Personal'; isDefault = $true; locked = $true })
            Set-MsgcodeConfig lmstudio.apiKey $script:Secret -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -BeLike 'SecretVaultLocked,*'
            $e[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $e[0].Exception.Message | Should -Not -Match ([regex]::Escape($script:Secret))
            Get-FilesHolding $script:TestHome $script:Secret | Should -BeNullOrEmpty
            Get-FilesHolding $env:MSGCODE_TEST_VAULT_DIR $script:Secret | Should -BeNullOrEmpty
            (Get-MsgcodeEffectiveConfig lmstudio.apiKey).Source | Should -Be 'Default'
        }

        It 'a value whose vault was locked or removed since is reported, and the next layer wins' {
            Set-MsgcodeConfig lmstudio.apiKey $script:Secret
            Set-StandInVaults @(@{ name = 'Personal'; isDefault = $true; locked = $true })
            $entry = Get-MsgcodeEffectiveConfig lmstudio.apiKey -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -BeLike 'SecretVaultLocked,*'
            $entry.Source | Should -Be 'Default'
            $entry.Problems | Should -Match '^SecretVaultLocked: '
            Reset-MsgcodeConfig lmstudio.apiKey -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -BeLike 'SecretVaultLocked,*'
            (Get-Content -Raw (Join-Path $script:TestHome 'state.json')) | Should -Match 'secretName' -Because 'a reset the vault refused changes nothing'

            Set-StandInVaults @(@{ name = 'Work'; isDefault = $true; locked = $false })
            $entry = Get-MsgcodeEffectiveConfig lmstudio.apiKey -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -BeLike 'SecretVaultNotFound,*'
            $entry.Source | Should -Be 'Default'
            $entry.Problems | Should -Match '^SecretVaultNotFound: '
            $env:MSGCODE_LMSTUDIO_API_KEY = 'sk-env-' + [guid]::NewGuid().ToString('N')
            (Get-MsgcodeEffectiveConfig lmstudio.apiKey -ErrorAction SilentlyContinue).Source | Should -Be 'Environment'
        }
    }
}

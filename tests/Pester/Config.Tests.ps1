#Requires -Version 7.4
# Configuration cmdlets against the built module: layering, redaction, bad input (by ErrorId), writes.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment

    function Write-State([hashtable] $Config, [string] $HomePath = $env:MSGCODE_HOME) {
        @{ version = 1; config = $Config } | ConvertTo-Json -Depth 5 | Set-Content -Path (Join-Path $HomePath 'state.json') -Encoding utf8NoBOM
    }
    function Write-WorkspaceConfig([string] $Workspace, [hashtable] $Config) {
        New-Item -ItemType Directory -Force -Path (Join-Path $Workspace '.msgcode') | Out-Null
        $Config | ConvertTo-Json -Depth 5 | Set-Content -Path (Join-Path $Workspace '.msgcode' 'config.json') -Encoding utf8NoBOM
    }
    function Get-FileHashes([string] $Path) {
        Get-ChildItem -Path $Path -Recurse -File -Force | Sort-Object FullName | ForEach-Object { "$($_.FullName)=$((Get-FileHash $_.FullName).Hash)" }
    }
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Get-MsgcodeEffectiveConfig' {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Workspace = Join-Path $TestDrive ('ws-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $script:Workspace | Out-Null
        foreach ($name in 'MSGCODE_LOG_LEVEL', 'MSGCODE_LMSTUDIO_API_KEY', 'MSGCODE_LMSTUDIO_BASE_URL', 'MSGCODE_DAEMON_STOP_TIMEOUT_SEC', 'MSGCODE_MY_EMAIL') {
            [Environment]::SetEnvironmentVariable($name, $null)
        }
    }
    AfterEach {
        foreach ($name in 'MSGCODE_LOG_LEVEL', 'MSGCODE_LMSTUDIO_API_KEY', 'MSGCODE_LMSTUDIO_BASE_URL', 'MSGCODE_DAEMON_STOP_TIMEOUT_SEC', 'MSGCODE_MY_EMAIL') {
            [Environment]::SetEnvironmentVariable($name, $null)
        }
    }

    It 'returns one entry per key, all from the default layer on a fresh home' {
        $entries = @(Get-MsgcodeEffectiveConfig)
        $entries.Count | Should -BeGreaterOrEqual 22
        ($entries.Name | Sort-Object -Unique).Count | Should -Be $entries.Count
        $entries | ForEach-Object { $_.Source | Should -Be 'Default' }
        $entries.Name | Should -Contain 'lmstudio.baseUrl'
        $entries.Name | Should -Contain 'policy.mode'
        (Get-MsgcodeEffectiveConfig -Name log.level).Value | Should -Be 'info'
        Get-ChildItem $script:TestHome -Force | Should -BeNullOrEmpty -Because 'a read creates nothing'
    }

    It 'filters by wildcard and completes key names' {
        $names = (Get-MsgcodeEffectiveConfig -Name 'lmstudio.*').Name
        $names | Should -Contain 'lmstudio.apiKey'
        $names | ForEach-Object { $_ | Should -BeLike 'lmstudio.*' }
        $completion = TabExpansion2 -inputScript 'Get-MsgcodeEffectiveConfig -Name daemon.' -cursorColumn 'Get-MsgcodeEffectiveConfig -Name daemon.'.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'daemon.stopTimeoutSec'
        $completion.CompletionMatches.CompletionText | Should -Contain 'daemon.maxConcurrentRuns'
    }

    It 'picks the right winner, source path and shadowed values for a key set in every layer' {
        Write-State @{ 'log.level' = 'warn' }
        Write-WorkspaceConfig $script:Workspace @{ 'lmstudio.baseUrl' = 'http://127.0.0.1:2002' }
        Write-State @{ 'log.level' = 'warn'; 'lmstudio.baseUrl' = 'http://127.0.0.1:2001' }
        Set-Content -Path (Join-Path $script:TestHome '.env') -Value "# comment`nMSGCODE_LMSTUDIO_BASE_URL=http://127.0.0.1:2003`n" -Encoding utf8NoBOM
        $env:MSGCODE_LMSTUDIO_BASE_URL = 'http://127.0.0.1:2004'

        $entry = Get-MsgcodeEffectiveConfig -Name lmstudio.baseUrl -Workspace $script:Workspace
        $entry.Value | Should -Be 'http://127.0.0.1:2004'
        $entry.Source | Should -Be 'Environment'
        $entry.SourcePath | Should -Be 'env:MSGCODE_LMSTUDIO_BASE_URL'
        $entry.Shadowed.Count | Should -Be 4
        $entry.Shadowed[0] | Should -Be "EnvFile: http://127.0.0.1:2003 ($(Join-Path $script:TestHome '.env'):2)"
        $entry.Shadowed[1] | Should -Be "Workspace: http://127.0.0.1:2002 ($(Join-Path $script:Workspace '.msgcode' 'config.json'))"
        $entry.Shadowed[2] | Should -Be "State: http://127.0.0.1:2001 ($(Join-Path $script:TestHome 'state.json'))"
        $entry.Shadowed[3] | Should -Be 'Default: http://127.0.0.1:1234'

        $layers = Get-MsgcodeEffectiveConfig -Name lmstudio.baseUrl -Workspace $script:Workspace -Explain
        $layers.Layer | Should -Be @('Environment', 'EnvFile', 'Workspace', 'State', 'Default')
        $layers.Status | Should -Be @('Effective', 'Shadowed', 'Shadowed', 'Shadowed', 'Shadowed')
        $layers[1].Line | Should -Be 2

        # Peel the layers off one by one: the next one wins each time.
        $env:MSGCODE_LMSTUDIO_BASE_URL = $null
        $entry = Get-MsgcodeEffectiveConfig -Name lmstudio.baseUrl -Workspace $script:Workspace
        $entry.Source | Should -Be 'EnvFile'
        $entry.SourcePath | Should -Be (Join-Path $script:TestHome '.env')
        $entry.SourceLine | Should -Be 2
        Remove-Item (Join-Path $script:TestHome '.env') -Force
        (Get-MsgcodeEffectiveConfig -Name lmstudio.baseUrl -Workspace $script:Workspace).Source | Should -Be 'Workspace'
        (Get-MsgcodeEffectiveConfig -Name lmstudio.baseUrl).Source | Should -Be 'State' -Because 'the workspace layer applies only with -Workspace'
        Write-State @{}
        $entry = Get-MsgcodeEffectiveConfig -Name lmstudio.baseUrl
        $entry.Source | Should -Be 'Default'
        $entry.Value | Should -Be 'http://127.0.0.1:1234'
        $entry.Shadowed | Should -BeNullOrEmpty
    }

    It 'binds -Workspace from the pipeline by property name' {
        Write-WorkspaceConfig $script:Workspace @{ 'runner.default' = 'pwsh' }
        $entry = [pscustomobject]@{ Workspace = $script:Workspace } | Get-MsgcodeEffectiveConfig -Name runner.default
        $entry.Value | Should -Be 'pwsh'
        $entry.Source | Should -Be 'Workspace'
    }

    It 'redacts secrets in values, shadowed values, -Explain and JSON' {
        $secretState = 'sk-state-' + [guid]::NewGuid()
        $secretEnv = 'sk-env-' + [guid]::NewGuid()
        Write-State @{ 'lmstudio.apiKey' = $secretState }
        $env:MSGCODE_LMSTUDIO_API_KEY = $secretEnv
        $entry = Get-MsgcodeEffectiveConfig -Name lmstudio.apiKey
        $entry.IsSecret | Should -BeTrue
        $entry.Value | Should -Be '********'
        $entry.Source | Should -Be 'Environment'
        $entry.Shadowed[0] | Should -BeLike 'State: `*`*`*`*`*`*`*`* *'
        $json = Get-MsgcodeEffectiveConfig | ConvertTo-Json
        $json | Should -Not -Match ([regex]::Escape($secretState))
        $json | Should -Not -Match ([regex]::Escape($secretEnv))
        $explain = Get-MsgcodeEffectiveConfig -Name lmstudio.apiKey -Explain | Out-String
        $explain | Should -Not -Match 'sk-'
        ($entry | Format-List | Out-String) | Should -Not -Match 'sk-'
    }

    It 'gives stable, complete JSON with a plain ConvertTo-Json' {
        Write-State @{ 'log.level' = 'debug'; 'whitelist.emails' = @('a@example.com', 'b@example.com') }
        $first = Get-MsgcodeEffectiveConfig | ConvertTo-Json -WarningVariable warnings
        $second = Get-MsgcodeEffectiveConfig | ConvertTo-Json
        $first | Should -BeExactly $second
        $warnings | Should -BeNullOrEmpty -Because 'nothing may be truncated at the default depth'
        $parsed = $first | ConvertFrom-Json
        $parsed.Count | Should -Be @(Get-MsgcodeEffectiveConfig).Count
        $log = $parsed | Where-Object Name -EQ 'log.level'
        $log.Value | Should -Be 'debug'
        $log.Source | Should -Be 'State'
        $log.Shadowed | Should -Be @('Default: info')
        foreach ($property in 'Name', 'Value', 'Source', 'SourcePath', 'SourceLine', 'Type', 'Default', 'EnvironmentVariable', 'AllowedValues', 'IsSecret', 'WorkspaceScoped', 'Description', 'Shadowed', 'Problems') {
            $log.PSObject.Properties.Name | Should -Contain $property
        }
        ($parsed | Where-Object Name -EQ 'whitelist.emails').Value | Should -Be @('a@example.com', 'b@example.com')
    }

    Context 'bad input' {
        It 'reports malformed .env lines with their line numbers and still uses the good ones' {
            Set-Content -Path (Join-Path $script:TestHome '.env') -Encoding utf8NoBOM -Value @(
                'MSGCODE_LOG_LEVEL=debug'
                'this line has no equals sign'
                '1BAD=x'
                'MSGCODE_LMSTUDIO_MODEL="unterminated'
                'export MSGCODE_LOG_MAX_FILES=7 # inline comment'
            )
            $entries = Get-MsgcodeEffectiveConfig -ErrorVariable problems -ErrorAction SilentlyContinue
            $entries.Count | Should -BeGreaterOrEqual 22
            ($entries | Where-Object Name -EQ 'log.level').Value | Should -Be 'debug'
            ($entries | Where-Object Name -EQ 'log.maxFiles').Value | Should -Be 7
            ($entries | Where-Object Name -EQ 'lmstudio.model').Value | Should -Be 'auto'
            $malformed = @($problems | Where-Object FullyQualifiedErrorId -Like 'ConfigEnvLineMalformed,*')
            $malformed.Count | Should -Be 3
            $malformed[0].TargetObject | Should -Be (Join-Path $script:TestHome '.env')
            $malformed[0].Exception.Message | Should -Match '\.env:2:'
            $malformed[1].Exception.Message | Should -Match '\.env:3:'
            $malformed[2].Exception.Message | Should -Match '\.env:4:'
            $malformed[0].CategoryInfo.Category | Should -Be 'InvalidData'
        }

        It 'reports invalid JSON in state.json with its location and returns every key from the other layers' {
            Set-Content -Path (Join-Path $script:TestHome 'state.json') -Value "{ `"version`": 1,`n  `"config`": { `"log.level`": `"warn`" " -Encoding utf8NoBOM
            $env:MSGCODE_LOG_LEVEL = 'error'
            $before = Get-FileHashes $script:TestHome
            $entries = Get-MsgcodeEffectiveConfig -ErrorVariable problems -ErrorAction SilentlyContinue
            $entries.Count | Should -BeGreaterOrEqual 22
            ($entries | Where-Object Name -EQ 'log.level').Source | Should -Be 'Environment'
            $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigFileInvalidJson,*'
            $problems[0].TargetObject | Should -Be (Join-Path $script:TestHome 'state.json')
            Get-FileHashes $script:TestHome | Should -Be $before -Because 'reading never rewrites a file'
        }

        It 'skips a value of the wrong type, names its layer and file, and lets the next valid layer win' {
            Write-State @{ 'daemon.stopTimeoutSec' = 'abc' }
            Write-WorkspaceConfig $script:Workspace @{ 'lmstudio.timeoutMs' = 'soon' }
            $entry = Get-MsgcodeEffectiveConfig -Name daemon.stopTimeoutSec -ErrorVariable problems -ErrorAction SilentlyContinue
            $entry.Value | Should -Be 30
            $entry.Source | Should -Be 'Default'
            $entry.Problems.Count | Should -Be 1
            $entry.Problems[0] | Should -BeLike "ConfigValueInvalid: $(Join-Path $script:TestHome 'state.json'):*"
            $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigValueInvalid,*'

            Set-Content -Path (Join-Path $script:TestHome '.env') -Value 'MSGCODE_DAEMON_STOP_TIMEOUT_SEC=45' -Encoding utf8NoBOM
            $env:MSGCODE_DAEMON_STOP_TIMEOUT_SEC = '-5'
            $entry = Get-MsgcodeEffectiveConfig -Name daemon.stopTimeoutSec -ErrorAction SilentlyContinue
            $entry.Value | Should -Be 45
            $entry.Source | Should -Be 'EnvFile'
            $entry.Problems.Count | Should -Be 2
            $layers = Get-MsgcodeEffectiveConfig -Name daemon.stopTimeoutSec -Explain -ErrorAction SilentlyContinue
            ($layers | Where-Object Layer -EQ 'Environment').Status | Should -Be 'Invalid'
            ($layers | Where-Object Layer -EQ 'Environment').ErrorId | Should -Be 'ConfigValueInvalid'
            ($layers | Where-Object Layer -EQ 'State').Status | Should -Be 'Invalid'

            $entry = Get-MsgcodeEffectiveConfig -Name lmstudio.timeoutMs -Workspace $script:Workspace -ErrorVariable wsProblems -ErrorAction SilentlyContinue
            $entry.Source | Should -Be 'Default'
            $wsProblems[0].Exception.Message | Should -BeLike "$(Join-Path $script:Workspace '.msgcode' 'config.json'):*"
        }

        It 'reports unknown keys in every file layer' {
            Write-State @{ 'log.levle' = 'debug' }
            Write-WorkspaceConfig $script:Workspace @{ 'persona.active' = 'x' }
            Set-Content -Path (Join-Path $script:TestHome '.env') -Value 'NOT_A_MSGCODE_KEY=1' -Encoding utf8NoBOM
            $null = Get-MsgcodeEffectiveConfig -Workspace $script:Workspace -ErrorVariable problems -ErrorAction SilentlyContinue
            $unknown = @($problems | Where-Object FullyQualifiedErrorId -Like 'ConfigKeyUnknown,*')
            $unknown.Count | Should -Be 3
            ($unknown.Exception.Message -join "`n") | Should -Match 'log\.levle'
            ($unknown.Exception.Message -join "`n") | Should -Match 'persona\.active'
            ($unknown.Exception.Message -join "`n") | Should -Match 'NOT_A_MSGCODE_KEY'
        }

        It 'ignores a user-wide key set in a workspace and says so' {
            Write-WorkspaceConfig $script:Workspace @{ 'daemon.maxConcurrentRuns' = 9 }
            $entry = Get-MsgcodeEffectiveConfig -Name daemon.maxConcurrentRuns -Workspace $script:Workspace -ErrorVariable problems -ErrorAction SilentlyContinue
            $entry.Value | Should -Be 2
            $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigKeyNotWorkspaceScoped,*'
        }

        It 'reports an unreadable file and still returns every key' {
            New-Item -ItemType Directory -Path (Join-Path $script:TestHome 'state.json') | Out-Null  # unreadable even for root
            $entries = Get-MsgcodeEffectiveConfig -ErrorVariable problems -ErrorAction SilentlyContinue
            $entries.Count | Should -BeGreaterOrEqual 22
            $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigFileUnreadable,*'
        }

        It 'reports an unknown literal -Name and a missing workspace' {
            $null = Get-MsgcodeEffectiveConfig -Name no.such.key -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigKeyUnknown,*'
            $null = Get-MsgcodeEffectiveConfig -Workspace (Join-Path $TestDrive 'missing') -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.FullyQualifiedErrorId | Should -BeLike 'WorkspaceNotFound,*'
        }
    }
}

Describe 'Set-MsgcodeConfig and Reset-MsgcodeConfig' {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Workspace = Join-Path $TestDrive ('ws-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $script:Workspace | Out-Null
        $env:MSGCODE_LOG_LEVEL = $null
        $env:MSGCODE_POLICY_MODE = $null
    }
    AfterEach {
        $env:MSGCODE_LOG_LEVEL = $null
        $env:MSGCODE_POLICY_MODE = $null
    }

    It 'writes the state layer, keeps other sections, and returns the entry with -PassThru' {
        @{ version = 1; chats = @{ 'chat-1' = @{ lastSeenRowid = 42 } } } | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $script:TestHome 'state.json')
        $entry = Set-MsgcodeConfig -Name daemon.stopTimeoutSec -Value 90 -PassThru
        $entry.Value | Should -Be 90
        $entry.Source | Should -Be 'State'
        $state = Get-Content -Raw (Join-Path $script:TestHome 'state.json') | ConvertFrom-Json
        $state.config.'daemon.stopTimeoutSec' | Should -Be 90
        $state.chats.'chat-1'.lastSeenRowid | Should -Be 42
        Get-ChildItem $script:TestHome -Force -Filter '*.msgcode-tmp' | Should -BeNullOrEmpty
        if (-not $IsWindows) {
            (Get-Item (Join-Path $script:TestHome 'state.json')).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        }
    }

    It 'converts typed and text values' {
        Set-MsgcodeConfig jobs.enabled 'off'
        (Get-MsgcodeEffectiveConfig jobs.enabled).Value | Should -BeFalse
        Set-MsgcodeConfig whitelist.phones '+15550001,+15550002'
        (Get-MsgcodeEffectiveConfig whitelist.phones).Value | Should -Be @('+15550001', '+15550002')
        Set-MsgcodeConfig whitelist.emails @('a@example.com', 'b@example.com')
        (Get-MsgcodeEffectiveConfig whitelist.emails).Value | Should -Be @('a@example.com', 'b@example.com')
        Set-MsgcodeConfig log.level 'WARN'
        (Get-MsgcodeEffectiveConfig log.level).Value | Should -Be 'warn'
    }

    It 'changes nothing with -WhatIf' {
        Set-MsgcodeConfig -Name log.level -Value debug -WhatIf
        Test-Path (Join-Path $script:TestHome 'state.json') | Should -BeFalse
        Set-MsgcodeConfig -Name log.level -Value debug
        $before = Get-FileHash (Join-Path $script:TestHome 'state.json')
        Reset-MsgcodeConfig -Name log.level -WhatIf
        (Get-FileHash (Join-Path $script:TestHome 'state.json')).Hash | Should -Be $before.Hash
    }

    It 'warns, naming the variable, when a higher layer shadows the new value' {
        $env:MSGCODE_LOG_LEVEL = 'error'
        Set-MsgcodeConfig -Name log.level -Value debug -WarningVariable warnings 3>$null
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -Match 'MSGCODE_LOG_LEVEL'
        (Get-MsgcodeEffectiveConfig log.level).Value | Should -Be 'error'
        $env:MSGCODE_LOG_LEVEL = $null
        Set-Content -Path (Join-Path $script:TestHome '.env') -Value 'MSGCODE_LOG_LEVEL=warn'
        Set-MsgcodeConfig -Name log.level -Value info -WarningVariable warnings 3>$null
        $warnings[0].Message | Should -Match 'MSGCODE_LOG_LEVEL'
        $warnings[0].Message | Should -Match ([regex]::Escape((Join-Path $script:TestHome '.env')))
    }

    It 'writes a workspace layer and refuses user-wide keys there' {
        Set-MsgcodeConfig -Name policy.mode -Value local-only -Workspace $script:Workspace
        $file = Join-Path $script:Workspace '.msgcode' 'config.json'
        (Get-Content -Raw $file | ConvertFrom-Json).'policy.mode' | Should -Be 'local-only'
        (Get-MsgcodeEffectiveConfig policy.mode -Workspace $script:Workspace).Source | Should -Be 'Workspace'
        (Get-MsgcodeEffectiveConfig policy.mode).Source | Should -Be 'Default'

        Set-MsgcodeConfig -Name daemon.stopTimeoutSec -Value 5 -Workspace $script:Workspace -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigKeyNotWorkspaceScoped,*'
        (Get-Content -Raw $file | ConvertFrom-Json).PSObject.Properties.Name | Should -Not -Contain 'daemon.stopTimeoutSec'

        Set-MsgcodeConfig -Name policy.mode -Value local-only -Workspace (Join-Path $TestDrive 'nope') -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -BeLike 'WorkspaceNotFound,*'
        Test-Path (Join-Path $TestDrive 'nope') | Should -BeFalse
    }

    It 'rejects unknown keys and invalid values without touching the file' {
        Set-MsgcodeConfig -Name log.level -Value debug
        $before = (Get-FileHash (Join-Path $script:TestHome 'state.json')).Hash
        Set-MsgcodeConfig -Name log.levle -Value debug -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigKeyUnknown,*'
        Set-MsgcodeConfig -Name daemon.stopTimeoutSec -Value abc -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigValueInvalid,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Set-MsgcodeConfig -Name daemon.stopTimeoutSec -Value 99999 -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigValueInvalid,*'
        Set-MsgcodeConfig -Name lmstudio.baseUrl -Value 'ftp://x' -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigValueInvalid,*'
        (Get-FileHash (Join-Path $script:TestHome 'state.json')).Hash | Should -Be $before
    }

    It 'never rewrites a corrupt state file' {
        $path = Join-Path $script:TestHome 'state.json'
        Set-Content -Path $path -Value '{ "version": 1, "config": { "log.level": ' -Encoding utf8NoBOM
        $before = (Get-FileHash $path).Hash
        Set-MsgcodeConfig -Name log.level -Value debug -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigFileCorruptNotRewritten,*'
        $problems[0].TargetObject | Should -Be $path
        Reset-MsgcodeConfig -Name log.level -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigFileCorruptNotRewritten,*'
        (Get-FileHash $path).Hash | Should -Be $before
    }

    It 'does not write a secret in clear to -WhatIf output, and keeps it out of the effective view' {
        $secret = 'sk-' + [guid]::NewGuid()
        $whatIf = Set-MsgcodeConfig -Name lmstudio.apiKey -Value $secret -WhatIf 6>&1 | Out-String
        $whatIf | Should -Not -Match ([regex]::Escape($secret))
        Set-MsgcodeConfig -Name lmstudio.apiKey -Value $secret
        (Get-MsgcodeEffectiveConfig lmstudio.apiKey).Value | Should -Be '********'
    }

    It 'resets keys, by wildcard too, so the lower layer shows through' {
        Set-MsgcodeConfig lmstudio.model 'qwen'
        Set-MsgcodeConfig lmstudio.maxTokens 10
        Set-MsgcodeConfig log.level debug
        Reset-MsgcodeConfig -Name 'lmstudio.*'
        (Get-MsgcodeEffectiveConfig lmstudio.model).Source | Should -Be 'Default'
        (Get-MsgcodeEffectiveConfig lmstudio.maxTokens).Source | Should -Be 'Default'
        (Get-MsgcodeEffectiveConfig log.level).Source | Should -Be 'State'
        $entry = Reset-MsgcodeConfig -Name log.level -PassThru
        $entry.Source | Should -Be 'Default'
        { Reset-MsgcodeConfig -Name log.level -ErrorAction Stop } | Should -Not -Throw -Because 'resetting an unset key is a no-op'
    }

    It 'removes an unknown key left in a file' {
        @{ version = 1; config = @{ 'old.setting' = 1; 'log.level' = 'warn' } } | ConvertTo-Json | Set-Content (Join-Path $script:TestHome 'state.json')
        Reset-MsgcodeConfig -Name old.setting
        $config = (Get-Content -Raw (Join-Path $script:TestHome 'state.json') | ConvertFrom-Json).config
        $config.PSObject.Properties.Name | Should -Be @('log.level')
        Reset-MsgcodeConfig -Name never.there -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -BeLike 'ConfigKeyUnknown,*'
    }

    It 'is safe with several processes setting keys at once' {
        $jobs = 1..4 | ForEach-Object {
            $n = $_
            Start-ThreadJob -ScriptBlock {
                param($module, $homePath, $n)
                $env:MSGCODE_HOME = $homePath
                Import-Module $module
                Set-MsgcodeConfig -Name 'lmstudio.maxTokens' -Value (1000 + $n)
            } -ArgumentList (Get-TestModulePath), $script:TestHome, $n
        }
        $results = Invoke-TestPwsh -Script "Set-MsgcodeConfig -Name log.maxFiles -Value 9; Set-MsgcodeConfig -Name log.level -Value warn" -Environment @{ MSGCODE_HOME = $script:TestHome }
        $jobs | Wait-Job | Receive-Job
        $results.ExitCode | Should -Be 0
        $config = (Get-Content -Raw (Join-Path $script:TestHome 'state.json') | ConvertFrom-Json).config
        $config.'log.maxFiles' | Should -Be 9
        $config.'log.level' | Should -Be 'warn'
        $config.'lmstudio.maxTokens' | Should -BeIn 1001, 1002, 1003, 1004
    }
}

#Requires -Version 7.4
# Test-MsgcodeDoctor and the daemon's preflight.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:SavedPath = $env:PATH
}

AfterAll {
    $env:PATH = $script:SavedPath
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Test-MsgcodeDoctor' {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
        $env:PATH = $script:SavedPath
    }

    It 'runs every category with every CLI runner missing, and explains each missing one' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'it hides the agent CLIs with PATH=/usr/bin:/bin, a Unix layout'; return }
        $env:PATH = '/usr/bin:/bin'
        $checks = Test-MsgcodeDoctor -Detailed -Workspace $script:Ws
        ($checks.Category | Sort-Object -Unique) | Should -Be @('channel', 'configuration', 'daemon', 'disk', 'environment', 'home', 'jobs', 'runners', 'tasks', 'worktrees')
        foreach ($kind in 'claude', 'codex', 'opencode', 'lmstudio') {
            $check = $checks | Where-Object { $_.Category -eq 'runners' -and $_.Name -eq $kind }
            $check.Status | Should -Be 'warn'
            $check.FixHint | Should -Not -BeNullOrEmpty
        }
        ($checks | Where-Object Name -EQ 'pwsh').Status | Should -Be 'pass'
        Test-MsgcodeDoctor -Workspace $script:Ws | Should -BeTrue -Because 'warnings are not failures'
        $checks | Where-Object Status -In 'warn', 'fail' | ForEach-Object { $_.FixHint | Should -Not -BeNullOrEmpty -Because "$($_.Category)/$($_.Name) must say what to do" }
    }

    It 'gives the same JSON twice, and filters by category' {
        $first = Test-MsgcodeDoctor -Detailed -Workspace $script:Ws | ConvertTo-Json -Depth 4
        $second = Test-MsgcodeDoctor -Detailed -Workspace $script:Ws | ConvertTo-Json -Depth 4
        $first | Should -BeExactly $second
        (Test-MsgcodeDoctor -Detailed -Category configuration, disk).Category | Sort-Object -Unique | Should -Be @('configuration', 'disk')
    }

    It 'fails on invalid configuration, naming the file' {
        Set-Content (Join-Path $script:TestHome 'state.json') '{ "version": 1, "config": { "log.level": 42 } }'
        Test-MsgcodeDoctor -Category configuration | Should -BeFalse
        $check = Test-MsgcodeDoctor -Detailed -Category configuration
        $check.Status | Should -Be 'fail'
        $check.Message | Should -Match 'ConfigValueInvalid'
        $check.FixHint | Should -Match 'Get-MsgcodeEffectiveConfig -Name log.level -Explain'
    }

    It 'finds corrupt task files, broken and torn ledger lines, and runs left running without a process' {
        $task = New-MsgcodeTask -Title 'ok' -Prompt '1' -Runner shell -Workspace $script:Ws
        $broken = New-MsgcodeTask -Title 'broken' -Workspace $script:Ws
        Set-Content (Join-Path $script:Ws 'tasks' "$($broken.Id).json") '{ nope'
        $ledger = Join-Path $script:Ws 'tasks' 'runs.jsonl'
        Add-Content $ledger '{"runId":"run_gone","taskId":"x","event":"started","runnerKind":"shell","status":"running","pid":999999999,"artifacts":[]}'
        Add-Content $ledger 'not json at all'
        Add-Content $ledger '{"runId":"run_torn"' -NoNewline
        $checks = Test-MsgcodeDoctor -Detailed -Category tasks -Workspace $script:Ws
        $name = Split-Path $script:Ws -Leaf
        ($checks | Where-Object Name -EQ "${name}:files").Status | Should -Be 'fail'
        ($checks | Where-Object Name -EQ "${name}:ledger").Status | Should -Be 'fail'
        ($checks | Where-Object Name -EQ "${name}:runs").Message | Should -Match 'run_gone'
        Test-MsgcodeDoctor -Category tasks -Workspace $script:Ws | Should -BeFalse
        Set-Content $ledger '{"runId":"run_torn"' -NoNewline
        ((Test-MsgcodeDoctor -Detailed -Category tasks -Workspace $script:Ws) | Where-Object Name -EQ "${name}:ledger").Status | Should -Be 'warn'
    }

    It 'checks the current folder and the workspaces under workspace.root by default' {
        $root = Join-Path $TestDrive ('root-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $inRoot = Join-Path $root 'acme'
        New-Item -ItemType Directory -Path $inRoot, (Join-Path $root 'empty') | Out-Null
        $null = New-MsgcodeTask -Title 't' -Workspace $inRoot
        $null = New-MsgcodeTask -Title 'here' -Workspace $script:Ws
        Set-MsgcodeConfig -Name workspace.root -Value $root
        Push-Location $script:Ws
        try { $names = (Test-MsgcodeDoctor -Detailed -Category tasks).Name }
        finally { Pop-Location }
        $names | Should -Contain 'acme:files'
        $names | Should -Contain "$(Split-Path $script:Ws -Leaf):files"
        $names | Should -Not -Contain 'empty:files'
    }

    It 'makes the daemon refuse to start, saying why, when its home cannot be written' {
        $blocker = Join-Path $TestDrive ('file-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        Set-Content $blocker 'a file, not a folder'
        $result = Invoke-TestPwsh -Script 'try { Start-MsgcodeDaemon -Foreground -Mode systemd -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.Exception.Message; exit 3 }' -Environment @{ MSGCODE_HOME = (Join-Path $blocker 'home') }
        $result.ExitCode | Should -Be 3
        @($result.Output | Where-Object { $_ -like 'DaemonPreflightFailed,*' }).Count | Should -Be 1
        ($result.Output -join "`n") | Should -Match 'cannot be created'
        (Test-MsgcodeDoctor -Detailed -Category home | Where-Object Name -EQ 'home-writable').Status | Should -Be 'pass' -Because 'the test home itself is fine'
    }
}

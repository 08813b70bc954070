#Requires -Version 7.4
# What each system must do, run on that system (CI runs this file on ubuntu, macOS and Windows): the module imports in a
# fresh pwsh and runs a task and a worktree task everywhere; the doctor reads the running daemon's memory and open files
# (from /proc on Linux, from ps and lsof on macOS); on macOS the generated launchd plist passes plutil -lint, and where the
# runner has a GUI session the real launchctl loads and boots out the agent. A test for another system says why it skips.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:HasGit = [bool](Get-Command git -ErrorAction SilentlyContinue)

    function New-LaunchdSandbox([switch] $StandInLaunchctl) {
        # A user home and msgcode home under $TestDrive; with -StandInLaunchctl a launchctl first on PATH that only records,
        # so the plist is written and nothing is loaded.
        $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8))
        $sandbox = [pscustomobject]@{ Root = $root; UserHome = (Join-Path $root 'user'); MsgHome = (Join-Path $root 'msgcode'); Bin = (Join-Path $root 'bin'); Log = (Join-Path $root 'calls.log') }
        New-Item -ItemType Directory -Path $sandbox.UserHome, $sandbox.Bin | Out-Null
        $sandbox | Add-Member Plist (Join-Path $sandbox.UserHome 'Library' 'LaunchAgents' 'com.msgcode.plist')
        $path = $env:PATH
        if ($StandInLaunchctl) {
            Set-Content -Path (Join-Path $sandbox.Bin 'launchctl') -Value "#!/bin/sh`necho `"launchctl `$*`" >> '$($sandbox.Log)'`ncase `"`$1`" in print) exit 113;; esac`nexit 0`n"
            & chmod +x (Join-Path $sandbox.Bin 'launchctl')
            $path = "$($sandbox.Bin)$([IO.Path]::PathSeparator)$path"
        }
        $sandbox | Add-Member Environment @{ PATH = $path; HOME = $sandbox.UserHome; MSGCODE_HOME = $sandbox.MsgHome }
        $sandbox
    }
}
AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Every system' {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:Ws = New-TestWorkspace
    }

    It 'imports the module in a fresh pwsh and runs a pwsh task there' {
        $result = Invoke-TestPwsh -Environment @{ MSGCODE_HOME = $script:TestHome } -Script @"
`$task = New-MsgcodeTask -Title 'smoke' -Runner pwsh -Workspace '$script:Ws' -Prompt '"on `$([Environment]::OSVersion.Platform)"'
`$run = `$task | Invoke-MsgcodeTask
`$run.Status
Get-Content (Join-Path '$script:Ws' `$run.Artifacts[0])
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output[0] | Should -Be 'succeeded' -Because ($result.Output -join "`n")
        $result.Output -join "`n" | Should -Match "on $([Environment]::OSVersion.Platform)"
    }

    It 'runs a pwsh task in a worktree and yields its patch, leaving the main tree alone' {
        if (-not $script:HasGit) { Set-ItResult -Skipped -Because 'git is not installed here'; return }
        Push-Location $script:Ws
        try {
            & git init -q -b main; & git config user.email t@example.com; & git config user.name t
            Set-Content -Path (Join-Path $script:Ws 'readme.txt') -Value 'one'
            & git add -A; & git commit -q -m init
        }
        finally { Pop-Location }
        $task = New-MsgcodeTask -Title 'edit' -Runner pwsh -Workspace $script:Ws -Prompt "Set-Content -Path readme.txt -Value 'two'"
        ($task | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
        (Get-Content (Join-Path $script:Ws 'readme.txt')) | Should -Be 'one'
        (Get-MsgcodePatch $task.Id -Workspace $script:Ws).Files.Path | Should -Be @('readme.txt')
    }

    It 'has the doctor read the running daemon''s memory and open files' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'the doctor reads a daemon''s memory and open files from /proc (Linux) or ps and lsof (macOS); Windows has neither'; return }
        $daemon = Start-MsgcodeDaemon -PassThru
        try {
            $checks = Test-MsgcodeDoctor -Detailed -Category daemon
            $memory = $checks | Where-Object Name -EQ 'memory'
            $memory.Status | Should -BeIn @('pass', 'warn')
            $memory.Details['pid'] | Should -Be "$($daemon.Pid)"
            [long]$memory.Details['rssBytes'] | Should -BeGreaterThan (1024 * 1024)
            $memory.Details['source'] | Should -Be $(if ($IsLinux) { '/proc' } else { 'ps+lsof' })
            $files = $checks | Where-Object Name -EQ 'open-files'
            if ($IsMacOS -and -not (Get-Command lsof -ErrorAction SilentlyContinue)) { $files.Status | Should -Be 'skip'; return }
            $files.Status | Should -BeIn @('pass', 'warn')
            [int]$files.Details['openFiles'] | Should -BeGreaterThan 2
        }
        finally {
            Stop-MsgcodeDaemon -TimeoutSec 20 -ErrorAction SilentlyContinue | Out-Null
        }
    }
}

Describe 'macOS: launchd' {
    BeforeAll {
        $script:NotMacOS = if (-not $IsMacOS) { 'launchd, plutil and launchctl are macOS''s (CI runs this on macos-latest)' }
    }

    It 'writes a plist that plutil -lint accepts' {
        if ($script:NotMacOS) { Set-ItResult -Skipped -Because $script:NotMacOS; return }
        $sandbox = New-LaunchdSandbox -StandInLaunchctl
        $result = Invoke-TestPwsh -Environment $sandbox.Environment -Script 'Install-MsgcodeService -Manager launchd -ErrorAction Stop'
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $lint = & plutil -lint $sandbox.Plist 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$lint"
        "$lint" | Should -Match 'OK'
        & plutil -extract Label raw -o - $sandbox.Plist | Should -Be 'com.msgcode'
    }

    It 'is loaded by the real launchctl in the user''s GUI session, and booted out on uninstall' {
        if ($script:NotMacOS) { Set-ItResult -Skipped -Because $script:NotMacOS; return }
        $uid = (& id -u)
        $null = & launchctl print "gui/$uid" 2>&1
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because "this runner has no GUI session (launchctl print gui/$uid failed), as over SSH"; return }
        $null = & launchctl print "gui/$uid/com.msgcode" 2>&1
        if ($LASTEXITCODE -eq 0) { Set-ItResult -Skipped -Because 'an agent com.msgcode is already loaded for this user; the test does not touch it'; return }
        $sandbox = New-LaunchdSandbox
        try {
            $result = Invoke-TestPwsh -Environment $sandbox.Environment -Script 'Install-MsgcodeService -Manager launchd -ErrorAction Stop'
            $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
            $printed = & launchctl print "gui/$uid/com.msgcode" 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "$printed"
            ($printed -join "`n") | Should -Match ([regex]::Escape($sandbox.Plist))
        }
        finally {
            $removed = Invoke-TestPwsh -Environment $sandbox.Environment -Script 'Uninstall-MsgcodeService -Manager launchd -Confirm:$false -ErrorAction Stop'
        }
        $removed.ExitCode | Should -Be 0 -Because ($removed.Output -join "`n")
        $null = & launchctl print "gui/$uid/com.msgcode" 2>&1
        $LASTEXITCODE | Should -Not -Be 0 -Because 'the agent is booted out'
        Test-Path $sandbox.Plist | Should -BeFalse
    }
}

Describe 'Windows' {
    It 'imports the module with its native git and names this system in the doctor' {
        if (-not $IsWindows) { Set-ItResult -Skipped -Because 'Windows only (CI runs this on windows-latest)'; return }
        $result = Invoke-TestPwsh -Script '(Get-Module Msgcode).Name; (Test-MsgcodeDoctor -Detailed -Category environment | ConvertTo-Json -Depth 4)'
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output[0] | Should -Be 'Msgcode'
        ($result.Output -join "`n") | Should -Match 'win'
    }
}

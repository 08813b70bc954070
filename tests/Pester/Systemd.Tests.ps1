#Requires -Version 7.4
# The installed unit under a real systemd user manager (daemon.md checklist item 28): systemd's MainPID is the
# daemon's PID, a SIGKILL is restarted by systemd, and `systemctl --user stop` ends it with status 0 and no restart.
# The test starts its own user manager (systemd --user) in a private mount namespace, where /run/systemd/system
# exists so that systemd runs as it would in a booted system; nothing outside the namespace and the test's own
# folders is touched. It needs Linux, systemd, unshare and the privilege to make a mount namespace (root);
# elsewhere it is skipped and says why.

BeforeDiscovery {
    # Why the test cannot run here (null: it can).
    $script:SystemdBinary = @('/lib/systemd/systemd', '/usr/lib/systemd/systemd') | Where-Object { Test-Path $_ } | Select-Object -First 1
    $script:Why = if (-not $IsLinux) { 'not Linux' }
    elseif (-not $script:SystemdBinary) { 'systemd is not installed' }
    elseif (@(Get-Command systemctl, unshare -ErrorAction SilentlyContinue).Count -ne 2) { 'systemctl or unshare is missing' }
    elseif ((& id -u) -ne '0') { 'making a mount namespace for a private user manager needs root' }
    else { $null }
    if ($script:Why) { Write-Host "The real systemd user manager test is skipped here: $($script:Why)." }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-systemd-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $script:Runtime = Join-Path $script:Root 'run'
    $script:Config = Join-Path $script:Root 'config'
    $script:UserHome = Join-Path $script:Root 'user'
    $script:MsgHome = Join-Path $script:Root 'msgcode'
    New-Item -ItemType Directory -Path $script:Runtime, $script:Config, $script:UserHome, $script:MsgHome | Out-Null
    & chmod 700 $script:Runtime
    $script:Manager = $null

    function Invoke-Systemctl([string[]] $Arguments) {
        $saved = $env:XDG_RUNTIME_DIR
        $env:XDG_RUNTIME_DIR = $script:Runtime
        try { @(& systemctl --user @Arguments 2>&1 | ForEach-Object { "$_" }) } finally { $env:XDG_RUNTIME_DIR = $saved }
    }

    function Get-UnitProperty([string] $Name) {
        $line = Invoke-Systemctl @('show', '-p', $Name, 'msgcode.service') | Where-Object { $_ -like "$Name=*" } | Select-Object -First 1
        if ($line) { $line.Substring($Name.Length + 1) }
    }

    function Invoke-AsUser([string] $Script) {
        Invoke-TestPwsh -Script "`$ErrorActionPreference = 'Stop'; $Script" -Environment @{
            HOME = $script:UserHome; XDG_RUNTIME_DIR = $script:Runtime; XDG_CONFIG_HOME = $script:Config; MSGCODE_HOME = $script:MsgHome
            DBUS_SESSION_BUS_ADDRESS = $null
        }
    }
}

AfterAll {
    if ($script:Manager -and -not $script:Manager.HasExited) {
        # SIGTERM makes the manager stop its units (the daemon among them) before it exits.
        & kill -TERM $script:Manager.Id
        if (-not $script:Manager.WaitForExit(30000)) { $script:Manager.Kill($true) }
    }

    Remove-Item $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The unit under a real systemd user manager' -Skip:([bool]$script:Why) {
    BeforeAll {
        # /run/systemd/system tells systemd it runs on a booted systemd; a tmpfs over /run/systemd (or /run, where
        # there is none) gives the namespace its own, and the manager's units are read from XDG_CONFIG_HOME.
        $over = if (Test-Path /run/systemd) { '/run/systemd' } else { '/run' }
        $systemd = @('/lib/systemd/systemd', '/usr/lib/systemd/systemd') | Where-Object { Test-Path $_ } | Select-Object -First 1 # (discovery's variables are gone by now)
        $start = [Diagnostics.ProcessStartInfo]::new('unshare')
        $log = Join-Path $script:Root 'manager.log'
        foreach ($a in '-m', 'sh', '-c', "mount -t tmpfs tmpfs $over && mkdir -p /run/systemd/system && exec $systemd --user >>'$log' 2>&1") { $start.ArgumentList.Add($a) }
        $start.UseShellExecute = $false
        $start.Environment['XDG_RUNTIME_DIR'] = $script:Runtime
        $start.Environment['XDG_CONFIG_HOME'] = $script:Config
        $start.Environment['HOME'] = $script:UserHome
        $start.Environment.Remove('DBUS_SESSION_BUS_ADDRESS') | Out-Null
        $script:Manager = [Diagnostics.Process]::Start($start)
        $script:Up = Wait-Until { (Invoke-Systemctl @('show', '-p', 'SystemState')) -contains 'SystemState=running' } -TimeoutSec 20
    }

    It 'runs the daemon as the main process, restarts it after SIGKILL, and stops it with status 0 and no restart' {
        if (-not $script:Up) {
            Set-ItResult -Skipped -Because "systemd --user did not come up here: $((Invoke-Systemctl @('show', '-p', 'SystemState')) -join ' ')"
            return
        }

        $installed = Invoke-AsUser 'Install-MsgcodeService | Out-Null; "unit=" + (Get-MsgcodeService).UnitPath'
        $installed.ExitCode | Should -Be 0 -Because ($installed.Output -join "`n")
        $installed.Output | Should -Contain "unit=$(Join-Path $script:Config 'systemd' 'user' 'msgcode.service')"

        # systemd's main process is the daemon msgcode reports, in systemd mode.
        Wait-Until { (Invoke-AsUser '(Get-MsgcodeDaemon).Status').Output -contains 'running' } -TimeoutSec 30 | Should -BeTrue
        $first = [int](Get-UnitProperty 'MainPID')
        $first | Should -BeGreaterThan 0
        $status = Invoke-AsUser '$d = Get-MsgcodeDaemon; "pid=$($d.Pid)"; "mode=$($d.Mode)"'
        $status.Output | Should -Contain "pid=$first"
        $status.Output | Should -Contain 'mode=systemd'

        # A SIGKILL is a failure: Restart=on-failure brings a new daemon, which msgcode reports in turn.
        & kill -KILL $first
        Wait-Until { $p = [int](Get-UnitProperty 'MainPID'); $p -gt 0 -and $p -ne $first } -TimeoutSec 30 | Should -BeTrue
        $second = [int](Get-UnitProperty 'MainPID')
        [int](Get-UnitProperty 'NRestarts') | Should -BeGreaterOrEqual 1
        Wait-Until { (Invoke-AsUser '"pid=$((Get-MsgcodeDaemon).Pid)"').Output -contains "pid=$second" } -TimeoutSec 30 | Should -BeTrue

        # systemctl stop: SIGTERM, the daemon drains and exits 0, and systemd does not start it again.
        Invoke-Systemctl @('stop', 'msgcode.service') | Out-Null
        Get-UnitProperty 'ActiveState' | Should -Be 'inactive'
        Get-UnitProperty 'ExecMainStatus' | Should -Be '0'
        Start-Sleep -Seconds 4 # longer than RestartSec
        Get-UnitProperty 'ActiveState' | Should -Be 'inactive'
        (Invoke-AsUser '(Get-MsgcodeDaemon).Status').Output | Should -Contain 'not running'
        Test-Path "/proc/$second" | Should -BeFalse

        $removed = Invoke-AsUser 'Uninstall-MsgcodeService | Out-Null; "installed=" + (Get-MsgcodeService).Installed'
        $removed.Output | Should -Contain 'installed=False'
        Test-Path (Join-Path $script:Config 'systemd' 'user' 'msgcode.service') | Should -BeFalse
    }

    It 'starts, stops and restarts through the unit: a stop is for good, a restart keeps Mode systemd, a second start does not crash-loop' {
        if (-not $script:Up) {
            Set-ItResult -Skipped -Because "systemd --user did not come up here: $((Invoke-Systemctl @('show', '-p', 'SystemState')) -join ' ')"
            return
        }

        $installed = Invoke-AsUser 'Install-MsgcodeService -WarningAction SilentlyContinue | Out-Null'
        $installed.ExitCode | Should -Be 0 -Because ($installed.Output -join "`n")
        # The unit runs the launcher under the msgcode home, not a pwsh in the package cache.
        $launcher = Join-Path $script:MsgHome 'bin' 'msgcode-daemon'
        Get-UnitProperty 'ExecStart' | Should -Match ([regex]::Escape("path=$launcher "))
        Wait-Until { (Invoke-AsUser '"mode=$((Get-MsgcodeDaemon).Mode)"').Output -contains 'mode=systemd' } -TimeoutSec 30 | Should -BeTrue
        $first = [int](Get-UnitProperty 'MainPID')
        $restarts = [int](Get-UnitProperty 'NRestarts')

        # A second start of the unit's command while the service runs: exit 0, the service untouched.
        $second = Invoke-AsUser "& '$launcher' systemd 2>&1 | Out-String | Write-Output; 'exit=' + `$LASTEXITCODE"
        $second.Output | Should -Contain 'exit=0'
        ($second.Output -join "`n") | Should -Match 'not started: .*already running'
        [int](Get-UnitProperty 'MainPID') | Should -Be $first
        [int](Get-UnitProperty 'NRestarts') | Should -Be $restarts

        # Restart-MsgcodeDaemon goes through systemctl: a new daemon, still in systemd mode and systemd's main process.
        $restarted = Invoke-AsUser '$d = Restart-MsgcodeDaemon -PassThru; "pid=$($d.Pid)"; "mode=$($d.Mode)"'
        $restarted.ExitCode | Should -Be 0 -Because ($restarted.Output -join "`n")
        $restarted.Output | Should -Contain 'mode=systemd'
        $newPid = [int](($restarted.Output | Where-Object { $_ -like 'pid=*' }) -replace 'pid=', '')
        $newPid | Should -Not -Be $first
        [int](Get-UnitProperty 'MainPID') | Should -Be $newPid

        # Stop-MsgcodeDaemon goes through systemctl: gone, and still gone after the supervisor had time to bring it back.
        $stopped = Invoke-AsUser '(Stop-MsgcodeDaemon -PassThru).Outcome'
        $stopped.Output | Should -Contain 'stopped'
        Get-UnitProperty 'ActiveState' | Should -Be 'inactive'
        Start-Sleep -Seconds 15
        Get-UnitProperty 'ActiveState' | Should -Be 'inactive'
        Test-Path "/proc/$newPid" | Should -BeFalse
        (Invoke-AsUser '(Get-MsgcodeDaemon).Status').Output | Should -Contain 'not running'

        # A daemon outside the service holds the lock: the unit's start steps aside with exit 0 and is not restarted.
        $outside = [Diagnostics.ProcessStartInfo]::new($launcher)
        $outside.ArgumentList.Add('foreground')
        $outside.UseShellExecute = $false
        $outside.RedirectStandardOutput = $true
        $outside.Environment['HOME'] = $script:UserHome
        $outside.Environment['MSGCODE_HOME'] = $script:MsgHome
        $outside.Environment['XDG_RUNTIME_DIR'] = $script:Runtime
        $outsider = [Diagnostics.Process]::Start($outside)
        try {
            Wait-Until { (Invoke-AsUser '"mode=$((Get-MsgcodeDaemon).Mode)"').Output -contains 'mode=foreground' } -TimeoutSec 30 | Should -BeTrue
            $restarts = [int](Get-UnitProperty 'NRestarts')
            Invoke-Systemctl @('start', 'msgcode.service') | Out-Null
            Wait-Until { (Get-UnitProperty 'ActiveState') -eq 'inactive' } -TimeoutSec 30 | Should -BeTrue
            Start-Sleep -Seconds 5 # longer than RestartSec: a failed start would have been restarted by now
            [int](Get-UnitProperty 'NRestarts') | Should -Be $restarts
            Get-UnitProperty 'ExecMainStatus' | Should -Be '0'
            $outsider.HasExited | Should -BeFalse

            # Start-MsgcodeDaemon finds it running; Stop-MsgcodeDaemon stops it too (systemctl stop, then SIGTERM).
            (Invoke-AsUser '(Stop-MsgcodeDaemon -PassThru).Outcome').Output | Should -Contain 'stopped'
            $outsider.WaitForExit(30000) | Should -BeTrue
        }
        finally { if (-not $outsider.HasExited) { $outsider.Kill($true) } }

        # Start-MsgcodeDaemon goes through systemctl, and a SIGKILL is still restarted by systemd.
        $started = Invoke-AsUser '$d = Start-MsgcodeDaemon -PassThru; "pid=$($d.Pid)"; "mode=$($d.Mode)"'
        $started.Output | Should -Contain 'mode=systemd'
        $pid3 = [int](Get-UnitProperty 'MainPID')
        $started.Output | Should -Contain "pid=$pid3"
        $restarts = [int](Get-UnitProperty 'NRestarts')
        & kill -KILL $pid3
        Wait-Until { $p = [int](Get-UnitProperty 'MainPID'); $p -gt 0 -and $p -ne $pid3 } -TimeoutSec 30 | Should -BeTrue
        [int](Get-UnitProperty 'NRestarts') | Should -Be ($restarts + 1)

        (Invoke-AsUser 'Uninstall-MsgcodeService | Out-Null').ExitCode | Should -Be 0
        Test-Path $launcher | Should -BeFalse
    }
}

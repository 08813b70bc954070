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
}

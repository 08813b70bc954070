#Requires -Version 7.4
# Service install/uninstall against recording stand-ins for systemctl, loginctl and launchctl placed first
# on PATH; the generated unit is checked by systemd-analyze where it is installed, the plist as XML.

BeforeDiscovery {
    $script:OnUnix = -not $IsWindows
    $script:HasSystemdAnalyze = [bool](Get-Command systemd-analyze -ErrorAction SilentlyContinue)
    $script:HasPlistutil = [bool](Get-Command plistutil -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    function New-StandIns([string] $Folder) {
        # Each stand-in appends its argv to $STUB_LOG; launchctl keeps "loaded" state in a file.
        New-Item -ItemType Directory -Force -Path $Folder | Out-Null
        Set-Content -Path (Join-Path $Folder 'systemctl') -Value @'
#!/bin/sh
echo "systemctl $*" >> "$STUB_LOG"
if [ -n "$STUB_SYSTEMCTL_FAIL" ]; then echo "$STUB_SYSTEMCTL_FAIL" >&2; exit 1; fi
case "$*" in *is-active*) echo active;; *is-enabled*) echo enabled;; esac
exit 0
'@
        Set-Content -Path (Join-Path $Folder 'loginctl') -Value @'
#!/bin/sh
echo "loginctl $*" >> "$STUB_LOG"
echo "${STUB_LINGER:-no}"
'@
        Set-Content -Path (Join-Path $Folder 'launchctl') -Value @'
#!/bin/sh
echo "launchctl $*" >> "$STUB_LOG"
state="$STUB_LOG.loaded"
# With STUB_RUN_JOBS, the agent's ProgramArguments really run, as launchd runs them (RunAtLoad, kickstart, bootout).
plist="$HOME/Library/LaunchAgents/com.msgcode.plist"
job_alive() { [ -f "$STUB_LOG.job" ] && pid=$(cat "$STUB_LOG.job") && [ -d "/proc/$pid" ] && ! grep -q ') Z' "/proc/$pid/stat"; }
start_job() {
  [ -n "$STUB_RUN_JOBS" ] || return 0
  set -- $(sed -n '/<key>ProgramArguments<\/key>/,/<\/array>/s/.*<string>\(.*\)<\/string>.*/\1/p' "$plist")
  nohup "$@" </dev/null >>"$STUB_LOG.out" 2>&1 &
  echo $! > "$STUB_LOG.job"
}
stop_job() {
  job_alive || return 0
  kill -TERM "$pid"; i=0
  while job_alive && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
}
case "$1" in
  print) if [ -f "$state" ]; then printf 'gui/501/com.msgcode = {\n\tstate = running\n\tpid = 4242\n}\n'; exit 0; else echo "Could not find service" >&2; exit 113; fi;;
  bootstrap)
    if [ -n "$STUB_NO_DOMAIN" ]; then echo "Bootstrap failed: 125: Domain does not support specified action" >&2; exit 125; fi
    n=$(cat "$STUB_LOG.bootstraps" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$STUB_LOG.bootstraps"
    if [ "$n" -le "${STUB_BOOTSTRAP_FAILS:-0}" ]; then echo "Bootstrap failed: 5: Input/output error" >&2; exit 5; fi
    touch "$state"; start_job; exit 0;;
  bootout) rm -f "$state"; stop_job; exit 0;;
  print-disabled) printf 'disabled services = {\n\t"com.apple.Siri" => disabled\n\t"com.msgcode" => %s\n}\n' "${STUB_DISABLED:-enabled}"; exit 0;;
  kickstart) if [ "$2" = "-k" ]; then stop_job; fi; if ! job_alive; then start_job; fi; exit 0;;
  *) exit 0;;
esac
'@
        & chmod +x (Join-Path $Folder 'systemctl') (Join-Path $Folder 'loginctl') (Join-Path $Folder 'launchctl')
    }

    function Invoke-ServiceCmdlet([string] $Script, [hashtable] $Extra = @{}) {
        $env = @{
            PATH = "$script:Stubs$([IO.Path]::PathSeparator)$env:PATH"; HOME = $script:UserHome; MSGCODE_HOME = $script:MsgHome
            STUB_LOG = $script:Log; XDG_RUNTIME_DIR = '/run/user/0'; XDG_CONFIG_HOME = $null; DBUS_SESSION_BUS_ADDRESS = $null
            STUB_SYSTEMCTL_FAIL = $null; STUB_LINGER = $null; STUB_NO_DOMAIN = $null; STUB_BOOTSTRAP_FAILS = $null; STUB_RUN_JOBS = $null; STUB_DISABLED = $null
        }
        foreach ($k in $Extra.Keys) { $env[$k] = $Extra[$k] }
        Invoke-TestPwsh -Script "`$ErrorActionPreference = 'Stop'; try { $Script } catch { 'ERROR=' + `$_.FullyQualifiedErrorId; `$_.Exception.Message; exit 3 }" -Environment $env
    }

    function Initialize-ServiceSandbox {
        # A fresh user home, msgcode home and stand-in folder for each test.
        $script:Root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8))
        $script:Stubs = Join-Path $script:Root 'bin'
        $script:UserHome = Join-Path $script:Root 'user'
        $script:MsgHome = Join-Path $script:Root 'msgcode'
        $script:Log = Join-Path $script:Root 'calls.log'
        New-Item -ItemType Directory -Path $script:UserHome | Out-Null
        New-StandIns $script:Stubs
    }

    function Get-Calls { if (Test-Path $script:Log) { @(Get-Content $script:Log) } else { @() } }
}

Describe 'Install-MsgcodeService for systemd' -Skip:(-not $script:OnUnix) {
    BeforeEach {
        Initialize-ServiceSandbox
        $script:Unit = Join-Path $script:UserHome '.config' 'systemd' 'user' 'msgcode.service'
    }

    It 'writes a unit with the required properties, reloads, enables and starts it, and warns about lingering' {
        $result = Invoke-ServiceCmdlet 'Install-MsgcodeService -PassThru -WarningVariable w 3>$null | ForEach-Object { "action=$($_.Action)" }; $w | ForEach-Object { "warning=$($_.Message)" }'
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output | Should -Contain 'action=installed'
        ($result.Output | Where-Object { $_ -like 'warning=*' }) | Should -Match 'loginctl enable-linger \S+'
        Get-Calls | Should -Be @('systemctl --user daemon-reload', 'systemctl --user enable --now msgcode.service', "loginctl show-user $([Environment]::UserName) --property=Linger --value")

        $text = Get-Content -Raw $script:Unit
        $execStart = ($text -split "`n" | Where-Object { $_ -like 'ExecStart=*' }) -replace '^ExecStart=', ''
        $execStart | Should -Be "$(Join-Path $script:MsgHome 'bin' 'msgcode-daemon') systemd"
        $text | Should -Match '(?m)^RestartPreventExitStatus=78$'
        $launcher = Get-Item (Join-Path $script:MsgHome 'bin' 'msgcode-daemon')
        $launcher.UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        $launcher.Directory.UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        Get-Content -Raw $launcher | Should -Match ([regex]::Escape('Start-MsgcodeDaemon -Foreground -Mode $mode'))
        $text | Should -Match '(?m)^Type=(exec|notify)$'
        $text | Should -Match '(?m)^Restart=on-failure$'
        $text | Should -Match '(?m)^KillSignal=SIGTERM$'
        $text | Should -Match '(?m)^KillMode=mixed$'
        [int]([regex]::Match($text, '(?m)^TimeoutStopSec=(\d+)$').Groups[1].Value) | Should -BeGreaterOrEqual (30 + 5)
        $text | Should -Match "(?m)^Environment=`"?MSGCODE_HOME=$([regex]::Escape($script:MsgHome))"
        $text | Should -Match '(?m)^Environment="?DOTNET_TieredPGO=0"?$'
        $text | Should -Match '(?m)^WantedBy=default.target$'
    }

    It 'passes systemd-analyze --user verify' -Skip:(-not $script:HasSystemdAnalyze) {
        (Invoke-ServiceCmdlet 'Install-MsgcodeService -WarningAction SilentlyContinue').ExitCode | Should -Be 0
        $runtime = Join-Path $script:Root 'xdg-runtime'
        New-Item -ItemType Directory -Path $runtime | Out-Null
        & chmod 700 $runtime
        $saved = $env:XDG_RUNTIME_DIR
        try {
            $env:XDG_RUNTIME_DIR = $runtime
            $out = & systemd-analyze --user verify $script:Unit 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        }
        finally { $env:XDG_RUNTIME_DIR = $saved }
    }

    It 'is idempotent: a second install rewrites nothing, uninstall twice is fine' {
        (Invoke-ServiceCmdlet 'Install-MsgcodeService -WarningAction SilentlyContinue').ExitCode | Should -Be 0
        $before = Get-FileHash $script:Unit
        $launcher = Join-Path $script:MsgHome 'bin' 'msgcode-daemon'
        $launcherBefore = Get-Item $launcher
        Remove-Item $script:Log
        $second = Invoke-ServiceCmdlet '(Install-MsgcodeService -PassThru -WarningAction SilentlyContinue).Action'
        $second.Output[-1] | Should -Be 'unchanged'
        (Get-FileHash $script:Unit).Hash | Should -Be $before.Hash
        (Get-Item $launcher).LastWriteTimeUtc | Should -Be $launcherBefore.LastWriteTimeUtc
        # No reload, no restart: enable --now leaves a running unit alone.
        Get-Calls | Should -Be @('systemctl --user enable --now msgcode.service', "loginctl show-user $([Environment]::UserName) --property=Linger --value")
        Remove-Item $script:Log
        $removed = Invoke-ServiceCmdlet '(Uninstall-MsgcodeService -PassThru).Action'
        $removed.Output[-1] | Should -Be 'removed'
        Test-Path $script:Unit | Should -BeFalse
        Test-Path $launcher | Should -BeFalse
        Get-Calls | Should -Be @('systemctl --user disable --now msgcode.service', 'systemctl --user daemon-reload')
        (Invoke-ServiceCmdlet '(Uninstall-MsgcodeService -PassThru).Action').Output[-1] | Should -Be 'absent'
    }

    It 'changes nothing with -WhatIf' {
        (Invoke-ServiceCmdlet 'Install-MsgcodeService -WhatIf').ExitCode | Should -Be 0
        Test-Path $script:Unit | Should -BeFalse
        Get-Calls | Should -BeNullOrEmpty
    }

    It 'fails clearly, writing nothing, when there is no user bus' {
        $result = Invoke-ServiceCmdlet 'Install-MsgcodeService' @{ XDG_RUNTIME_DIR = $null; DBUS_SESSION_BUS_ADDRESS = $null }
        $result.ExitCode | Should -Be 3
        $result.Output[0] | Should -BeLike 'ERROR=ServiceManagerUnavailable,*'
        $result.Output[1] | Should -Match 'XDG_RUNTIME_DIR=/run/user/\d+'
        Test-Path $script:Unit | Should -BeFalse
    }

    It 'turns a D-Bus failure of systemctl into a clear error' {
        $result = Invoke-ServiceCmdlet 'Install-MsgcodeService' @{ STUB_SYSTEMCTL_FAIL = 'Failed to connect to bus: No medium found' }
        $result.Output[0] | Should -BeLike 'ERROR=ServiceManagerUnavailable,*'
        $result = Invoke-ServiceCmdlet 'Install-MsgcodeService' @{ STUB_SYSTEMCTL_FAIL = 'Unit file is masked.' }
        $result.Output[0] | Should -BeLike 'ERROR=ServiceCommandFailed,*'
        $result.Output[1] | Should -Match 'masked'
    }

    It 'reports the service' {
        (Invoke-ServiceCmdlet 'Install-MsgcodeService -WarningAction SilentlyContinue').ExitCode | Should -Be 0
        $info = Invoke-ServiceCmdlet '$s = Get-MsgcodeService; "$($s.Manager)|$($s.Installed)|$($s.UpToDate)|$($s.State)|$($s.Enabled)|$($s.Linger)"'
        $info.Output[-1] | Should -Be 'systemd|True|True|active|True|False'
    }

    It 'reports a unit edited by hand, changing nothing, and replaces it only with -Force' {
        (Invoke-ServiceCmdlet 'Install-MsgcodeService -WarningAction SilentlyContinue').ExitCode | Should -Be 0
        Add-Content -Path $script:Unit -Value 'Nice=5'
        $edited = Get-FileHash $script:Unit
        $result = Invoke-ServiceCmdlet 'Install-MsgcodeService -WarningAction SilentlyContinue'
        $result.ExitCode | Should -Be 3
        $result.Output[0] | Should -BeLike 'ERROR=ServiceUnitModified,*'
        $result.Output[1] | Should -Match '-Force'
        (Get-FileHash $script:Unit).Hash | Should -Be $edited.Hash
        (Invoke-ServiceCmdlet '(Get-MsgcodeService).Warnings | ForEach-Object { "warning=$_" }').Output | Should -Contain 'warning=The installed unit was edited by hand: Install-MsgcodeService leaves it as it is, and replaces it only with -Force.'
        $forced = Invoke-ServiceCmdlet '(Install-MsgcodeService -Force -PassThru -WarningAction SilentlyContinue).Action'
        $forced.Output[-1] | Should -Be 'updated'
        Get-Content -Raw $script:Unit | Should -Not -Match 'Nice=5'
    }

    It 'upgrades a unit written by an older version (pwsh named directly) in place, and restarts it' {
        New-Item -ItemType Directory -Force -Path (Split-Path $script:Unit) | Out-Null
        Set-Content -Path $script:Unit -Value @(
            '# Written by Install-MsgcodeService; Uninstall-MsgcodeService removes it.', '[Service]', 'Type=exec'
            'ExecStart=/usr/bin/dotnet /home/u/.nuget/packages/powershell/7.4.0/tools/net8.0/any/unix/pwsh.dll -NoProfile -Command "Start-MsgcodeDaemon -Foreground -Mode systemd"')
        $result = Invoke-ServiceCmdlet '(Install-MsgcodeService -PassThru -WarningAction SilentlyContinue).Action'
        $result.Output[-1] | Should -Be 'updated'
        Get-Content -Raw $script:Unit | Should -Match "(?m)^ExecStart=$([regex]::Escape((Join-Path $script:MsgHome 'bin' 'msgcode-daemon'))) systemd$"
        Get-Calls | Should -Contain 'systemctl --user restart msgcode.service'
    }

    It 'has a launcher that says what is missing and exits 78 when it cannot start the daemon' {
        # Installed from a copy of the module that is gone by the time the service starts.
        $copy = Join-Path $script:Root 'module-copy'
        Copy-Item -Recurse (Split-Path $env:MSGCODE_TEST_MODULE) $copy
        (Invoke-ServiceCmdlet 'Install-MsgcodeService -WarningAction SilentlyContinue' @{ MSGCODE_TEST_MODULE = (Join-Path $copy 'Msgcode.psd1') }).ExitCode | Should -Be 0
        $launcher = Join-Path $script:MsgHome 'bin' 'msgcode-daemon'
        Get-Content -Raw $launcher | Should -Match ([regex]::Escape("module='$copy"))
        Remove-Item -Recurse -Force $copy
        $out = & env "HOME=$script:UserHome" "MSGCODE_HOME=$script:MsgHome" $launcher systemd 2>&1
        $LASTEXITCODE | Should -Be 78
        "$out" | Should -Match 'the msgcode module is gone: .*module-copy.*Install-MsgcodeService'

        # No pwsh anywhere it looks: the recorded ones gone, nothing on PATH.
        $nowhere = Join-Path $script:Root 'nowhere.sh'
        (Get-Content -Raw $launcher) -replace "(?m)^module=.*$", "module='$env:MSGCODE_TEST_MODULE'" -replace "(?m)^(pwsh_at_install|dotnet_at_install|pwsh_dll_at_install|tool_manifest)=.*$", '$1=' |
            Set-Content -Path $nowhere -NoNewline
        $out = & env -i "HOME=$script:UserHome" "MSGCODE_HOME=$script:MsgHome" PATH=/nonexistent /bin/sh $nowhere systemd 2>&1
        $LASTEXITCODE | Should -Be 78
        "$out" | Should -Match 'no pwsh found .*Install PowerShell 7.4'
        $out = & env -i "HOME=$script:UserHome" PATH=/nonexistent /bin/sh $nowhere sideways 2>&1
        "$out" | Should -Match "unknown mode 'sideways'"
    }
}

Describe 'Install-MsgcodeService for launchd' -Skip:(-not $script:OnUnix) {
    BeforeEach {
        Initialize-ServiceSandbox
        $script:Plist = Join-Path $script:UserHome 'Library' 'LaunchAgents' 'com.msgcode.plist'
        $script:Uid = (& id -u)
    }

    It 'writes a valid property list with exactly the expected keys' {
        $result = Invoke-ServiceCmdlet 'Install-MsgcodeService -Manager launchd'
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        [xml]$plist = Get-Content -Raw $script:Plist
        $plist.DocumentType.PublicId | Should -Be '-//Apple//DTD PLIST 1.0//EN'
        $dict = $plist.plist.dict
        $keys = @($dict.key)
        $keys | Should -Be @('Label', 'ProgramArguments', 'RunAtLoad', 'KeepAlive', 'ThrottleInterval', 'ExitTimeOut', 'ProcessType', 'StandardOutPath', 'StandardErrorPath', 'EnvironmentVariables')
        $values = @($dict.ChildNodes | Where-Object LocalName -NE 'key')
        $values[0].InnerText | Should -Be 'com.msgcode'
        $arguments = @($values[1].string)
        $arguments | Should -Be @((Join-Path $script:MsgHome 'bin' 'msgcode-daemon'), 'launchd')
        $values[2].LocalName | Should -Be 'true'
        $values[3].key | Should -Be 'SuccessfulExit'
        $values[3].ChildNodes[1].LocalName | Should -Be 'false'
        [int]$values[4].InnerText | Should -BeGreaterOrEqual 10
        [int]$values[5].InnerText | Should -BeGreaterOrEqual (30 + 5)
        $values[6].InnerText | Should -Be 'Background'
        [IO.Path]::IsPathRooted($values[7].InnerText) | Should -BeTrue
        [IO.Path]::IsPathRooted($values[8].InnerText) | Should -BeTrue
        $environment = @{}
        $pairs = @($values[9].ChildNodes)
        for ($i = 0; $i -lt $pairs.Count; $i += 2) { $environment[$pairs[$i].InnerText] = $pairs[$i + 1].InnerText }
        $environment.PATH | Should -Not -BeNullOrEmpty
        $environment.PATH | Should -Not -Match '\$'
        $environment.HOME | Should -Be $script:UserHome
        $environment.DOTNET_TieredPGO | Should -Be '0'
        if (Get-Command plutil -ErrorAction SilentlyContinue) { & plutil -lint $script:Plist; $LASTEXITCODE | Should -Be 0 }
    }

    It 'loads with print, enable and bootstrap, and retries the known input/output error race' {
        $result = Invoke-ServiceCmdlet 'Install-MsgcodeService -Manager launchd' @{ STUB_BOOTSTRAP_FAILS = '1' }
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        Get-Calls | Should -Be @(
            "launchctl print gui/$script:Uid/com.msgcode"
            "launchctl enable gui/$script:Uid/com.msgcode"
            "launchctl bootstrap gui/$script:Uid $script:Plist"
            "launchctl bootstrap gui/$script:Uid $script:Plist")
        $state = Invoke-ServiceCmdlet '(Get-MsgcodeService -Manager launchd).State'
        $state.Output[-1] | Should -Be 'running'
    }

    It 'leaves a loaded, unchanged agent alone, boots out a changed one before loading it again, and boots it out on uninstall' {
        (Invoke-ServiceCmdlet 'Install-MsgcodeService -Manager launchd').ExitCode | Should -Be 0
        Remove-Item $script:Log
        (Invoke-ServiceCmdlet '(Install-MsgcodeService -Manager launchd -PassThru).Action').Output[-1] | Should -Be 'unchanged'
        Get-Calls | Should -Be @("launchctl print gui/$script:Uid/com.msgcode") # nothing restarted
        Remove-Item $script:Log
        (Invoke-ServiceCmdlet '(Install-MsgcodeService -Manager launchd -PassThru).Action' @{ MSGCODE_DAEMON_STOP_TIMEOUT_SEC = '40' }).Output[-1] | Should -Be 'updated'
        (Get-Calls)[0..2] | Should -Be @("launchctl print gui/$script:Uid/com.msgcode", "launchctl bootout gui/$script:Uid/com.msgcode", "launchctl print gui/$script:Uid/com.msgcode")
        Remove-Item $script:Log
        (Invoke-ServiceCmdlet '(Uninstall-MsgcodeService -Manager launchd -PassThru).Action').Output[-1] | Should -Be 'removed'
        Get-Calls | Should -Contain "launchctl bootout gui/$script:Uid/com.msgcode"
        Test-Path $script:Plist | Should -BeFalse
    }

    It 'says plainly when there is no GUI session' {
        $result = Invoke-ServiceCmdlet 'Install-MsgcodeService -Manager launchd' @{ STUB_NO_DOMAIN = '1' }
        $result.Output[0] | Should -BeLike 'ERROR=ServiceManagerUnavailable,*'
        $result.Output[1] | Should -Match 'no GUI session'
    }
    It 'is read by a real plist parser (plistutil), to the same keys and values' -Skip:(-not $script:HasPlistutil) {
        (Invoke-ServiceCmdlet 'Install-MsgcodeService -Manager launchd').ExitCode | Should -Be 0
        $binary = Join-Path $script:Root 'agent.bplist'
        $back = Join-Path $script:Root 'agent.xml'
        & plistutil -i $script:Plist -o $binary -f bin; $LASTEXITCODE | Should -Be 0
        & plistutil -i $binary -o $back -f xml; $LASTEXITCODE | Should -Be 0
        [xml]$parsed = Get-Content -Raw $back
        $dict = $parsed.plist.dict
        @($dict.key) | Should -Be @('Label', 'ProgramArguments', 'RunAtLoad', 'KeepAlive', 'ThrottleInterval', 'ExitTimeOut', 'ProcessType', 'StandardOutPath', 'StandardErrorPath', 'EnvironmentVariables')
        $values = @($dict.ChildNodes | Where-Object LocalName -NE 'key')
        @($values[1].string) | Should -Be @((Join-Path $script:MsgHome 'bin' 'msgcode-daemon'), 'launchd')
        $values[7].InnerText | Should -Be (Join-Path $script:MsgHome 'log' 'service.out.log')
    }

    It 'asks launchd whether the agent is enabled' {
        (Invoke-ServiceCmdlet 'Install-MsgcodeService -Manager launchd').ExitCode | Should -Be 0
        (Invoke-ServiceCmdlet '(Get-MsgcodeService -Manager launchd).Enabled').Output[-1] | Should -Be 'True'
        (Invoke-ServiceCmdlet '(Get-MsgcodeService -Manager launchd).Enabled' @{ STUB_DISABLED = 'disabled' }).Output[-1] | Should -Be 'False'
        Get-Calls | Should -Contain "launchctl print-disabled gui/$script:Uid"
    }

    It 'starts, restarts and stops the daemon through launchctl, and the daemon trims the captured output' {
        $jobs = @{ STUB_RUN_JOBS = '1' }
        New-Item -ItemType Directory -Force -Path (Join-Path $script:MsgHome 'log') | Out-Null
        $err = Join-Path $script:MsgHome 'log' 'service.err.log'
        Set-Content -Path $err -Value 'output of an earlier run'
        $installed = Invoke-ServiceCmdlet 'Install-MsgcodeService -Manager launchd' $jobs
        $installed.ExitCode | Should -Be 0 -Because ($installed.Output -join "`n")
        Wait-Until { (Invoke-ServiceCmdlet '"mode=$((Get-MsgcodeDaemon).Mode)"').Output -contains 'mode=launchd' } -TimeoutSec 60 | Should -BeTrue
        Get-Content -Raw "$err.1" | Should -Match 'output of an earlier run'
        (Get-Item $err).Length | Should -Be 0
        $target = "gui/$script:Uid/com.msgcode"

        Remove-Item $script:Log
        $restarted = Invoke-ServiceCmdlet '$d = Restart-MsgcodeService -Manager launchd -PassThru; "mode=$($d.Mode)"' $jobs
        $restarted.Output | Should -Contain 'mode=launchd'
        Get-Calls | Should -Be @("launchctl print $target", "launchctl kickstart -k $target")

        Remove-Item $script:Log
        $stopped = Invoke-ServiceCmdlet '(Stop-MsgcodeService -Manager launchd -PassThru).Outcome' $jobs
        $stopped.Output[-1] | Should -Be 'stopped'
        Get-Calls | Should -Be @("launchctl print $target", "launchctl bootout $target", "launchctl print $target")
        (Invoke-ServiceCmdlet '(Get-MsgcodeDaemon).Status').Output[-1] | Should -Be 'not running'

        Remove-Item $script:Log
        $started = Invoke-ServiceCmdlet '$d = Start-MsgcodeService -Manager launchd -PassThru; "mode=$($d.Mode)"' $jobs
        $started.Output | Should -Contain 'mode=launchd'
        Get-Calls | Should -Be @("launchctl print $target", "launchctl enable $target", "launchctl bootstrap gui/$script:Uid $script:Plist")

        Remove-Item $script:Log
        (Invoke-ServiceCmdlet 'Start-MsgcodeService -Manager launchd' $jobs).ExitCode | Should -Be 0
        Get-Calls | Should -BeNullOrEmpty # it runs: nothing to ask launchd

        (Invoke-ServiceCmdlet 'Uninstall-MsgcodeService -Manager launchd' $jobs).ExitCode | Should -Be 0
        (Invoke-ServiceCmdlet '(Get-MsgcodeDaemon).Status').Output[-1] | Should -Be 'not running'
    }

    It 'says ServiceNotInstalled when there is no agent to start' {
        $result = Invoke-ServiceCmdlet 'Start-MsgcodeService -Manager launchd'
        $result.Output[0] | Should -BeLike 'ERROR=ServiceNotInstalled,*'
        $result.Output[1] | Should -Match 'Install-MsgcodeService'
    }
}

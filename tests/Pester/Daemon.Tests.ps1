#Requires -Version 7.4
# The daemon's lifecycle with real processes, real signals, real flock checks and a real socket
# (checklist items of shared/reference/daemon.md §7 that do not need queued work).

BeforeDiscovery {
    $script:OnLinux = $IsLinux
    # Root may add a local user to play the other user (useradd -M, removed again by userdel).
    $script:AsRoot = $IsLinux -and (& id -u) -eq '0' -and @(Get-Command useradd, userdel, runuser -ErrorAction SilentlyContinue).Count -eq 3
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force

    function Get-DaemonStatusFile { Join-Path $env:MSGCODE_HOME 'daemon.json' }

    function Test-LockFree {
        # flock(1) from util-linux: rc 0 when nobody holds daemon.lock.
        & flock -n (Join-Path $env:MSGCODE_HOME 'daemon.lock') true
        return $LASTEXITCODE -eq 0
    }

    function Get-DaemonProcesses([string] $HomePath) {
        # Every live process that runs a daemon for this home (reads /proc, so Linux only).
        Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -Match '^\d+$' | ForEach-Object {
            try {
                $cmd = [IO.File]::ReadAllText("/proc/$($_.Name)/cmdline")
                if ($cmd -notmatch 'Start-MsgcodeDaemon -Foreground') { return }
                $environ = [IO.File]::ReadAllText("/proc/$($_.Name)/environ") -split "`0"
                if ($environ -contains "MSGCODE_HOME=$HomePath") { [int]$_.Name }
            }
            catch { }
        }
    }


    function Start-ForegroundDaemon([string] $Mode = 'systemd', [hashtable] $Environment = @{}, [string] $Script = "Start-MsgcodeDaemon -Foreground -Mode $Mode", [switch] $NoWait) {
        # Runs `pwsh -c Start-MsgcodeDaemon -Foreground` as a child process; returns the Process.
        $pwsh = Get-TestPwsh
        $info = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($a in ($pwsh | Select-Object -Skip 1)) { $info.ArgumentList.Add($a) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$(Get-TestModulePath)'; $Script") { $info.ArgumentList.Add($a) }
        $info.UseShellExecute = $false
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.Environment['MSGCODE_HOME'] = $env:MSGCODE_HOME
        foreach ($k in $Environment.Keys) { $info.Environment[$k] = $Environment[$k] }
        $process = [Diagnostics.Process]::Start($info)
        if ($NoWait) { return $process }
        $null = Wait-Until { (Test-Path (Get-DaemonStatusFile)) -and ((Get-Content -Raw (Get-DaemonStatusFile) -ErrorAction SilentlyContinue) -match '"state": "running"') }
        return $process
    }
}

Describe 'Daemon lifecycle' -Skip:(-not $script:OnLinux) {
    BeforeEach {
        $script:TestHome = New-TestHome
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 5 -ErrorAction SilentlyContinue
        foreach ($id in @(Get-DaemonProcesses $script:TestHome)) { Stop-Process -Id $id -Force -ErrorAction SilentlyContinue }
    }

    It 'reports not running on a fresh home and creates nothing' {
        $info = Get-MsgcodeDaemon
        $info.Running | Should -BeFalse
        $info.Status | Should -Be 'not running'
        Get-ChildItem $script:TestHome -Force | Should -BeNullOrEmpty
    }

    It 'starts detached, reports its status with every field, holds the lock, and stops cleanly' {
        Remove-Item Env:DOTNET_TieredPGO -ErrorAction SilentlyContinue # the daemon must get it from msgcode, not inherit it from here
        $started = Start-MsgcodeDaemon -PassThru
        $started.Running | Should -BeTrue
        $info = Get-MsgcodeDaemon
        $info.Status | Should -Be 'running'
        $info.Pid | Should -BeGreaterThan 0
        $info.Pid | Should -Be ([int](Get-Content (Join-Path $script:TestHome 'pid')))
        $info.StartTime | Should -Not -BeNullOrEmpty
        $info.UptimeSeconds | Should -BeGreaterOrEqual 0
        $info.Version | Should -Be (Get-Module Msgcode).Version.ToString()
        $info.LogPath | Should -Be (Join-Path $script:TestHome 'log' 'msgcode.log')
        $info.Mode | Should -Be 'detached'
        $info.Home | Should -Be $script:TestHome
        $info.Endpoint | Should -Be (Join-Path $script:TestHome 'run' 'daemon.sock')
        $json = $info | ConvertTo-Json | ConvertFrom-Json
        foreach ($p in 'Pid', 'StartTime', 'Uptime', 'Version', 'LogPath', 'Mode', 'Home', 'Endpoint', 'Status') { $json.PSObject.Properties.Name | Should -Contain $p }
        Test-LockFree | Should -BeFalse -Because 'the live daemon holds daemon.lock'

        # The control socket is owner-only, in an owner-only folder.
        (Get-Item (Join-Path $script:TestHome 'run')).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        (Get-Item $info.Endpoint -Force).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')

        # Detached: its own session, stdin from /dev/null.
        [int]((Get-Content "/proc/$($info.Pid)/stat") -replace '^.*\) ', '' -split ' ')[3] | Should -Be $info.Pid -Because 'setsid makes it a session leader'
        (Get-Item "/proc/$($info.Pid)/fd/0").LinkTarget | Should -Be '/dev/null'
        # Its runtime settings (no profiling re-compiles of its hot paths), whoever started it.
        [IO.File]::ReadAllText("/proc/$($info.Pid)/environ") -split "`0" | Should -Contain 'DOTNET_TieredPGO=0'

        $result = Stop-MsgcodeDaemon -PassThru
        $result.Outcome | Should -Be 'stopped'
        Wait-Until { -not (Test-Path "/proc/$($info.Pid)") } | Should -BeTrue
        Test-Path (Join-Path $script:TestHome 'daemon.json') | Should -BeFalse
        Test-Path (Join-Path $script:TestHome 'pid') | Should -BeFalse
        Test-LockFree | Should -BeTrue
        Get-ChildItem $script:TestHome -Recurse -Force -Filter '*.msgcode-tmp' | Should -BeNullOrEmpty
        (Get-MsgcodeDaemon).Status | Should -Be 'not running'
        $log = Get-MsgcodeLog -Tail 10
        $log.Message | Should -Contain 'ready'
        $log.Message | Should -Contain 'stopped'
    }

    It 'refuses a second daemon: start while running says already running and keeps one process' {
        $first = Start-MsgcodeDaemon -PassThru
        $second = Start-MsgcodeDaemon -PassThru -WarningVariable warnings 3>$null
        $second.Pid | Should -Be $first.Pid
        $warnings[0].Message | Should -Match "already running \(PID $($first.Pid)\)"
        @(Get-DaemonProcesses $script:TestHome).Count | Should -Be 1

        # An interactive foreground start against the same home fails with a stable id and leaves the first alone.
        $result = Invoke-TestPwsh -Script 'try { Start-MsgcodeDaemon -Foreground -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.Exception.Message; exit 3 }' -Environment @{ MSGCODE_HOME = $script:TestHome }
        $result.ExitCode | Should -Be 3
        $result.Output[0] | Should -BeLike 'DaemonAlreadyRunning,*'
        $result.Output[1] | Should -Match "already running .*\(PID $($first.Pid)\)"
        (Get-MsgcodeDaemon).Pid | Should -Be $first.Pid

        # A supervisor's start (systemd, launchd) steps aside with exit 0 and says why, so it is not restarted in a loop.
        $result = Invoke-TestPwsh -Script 'Start-MsgcodeDaemon -Foreground -Mode systemd' -Environment @{ MSGCODE_HOME = $script:TestHome }
        $result.ExitCode | Should -Be 0
        ($result.Output -join "`n") | Should -Match "not started: .*already running .*\(PID $($first.Pid)\)"
        (Get-MsgcodeDaemon).Pid | Should -Be $first.Pid
    }

    It 'starts exactly one daemon when ten starts race' {
        $pwsh = Get-TestPwsh
        $processes = 1..10 | ForEach-Object {
            $info = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
            foreach ($a in ($pwsh | Select-Object -Skip 1)) { $info.ArgumentList.Add($a) }
            foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$(Get-TestModulePath)'; (Start-MsgcodeDaemon -PassThru -WarningAction SilentlyContinue).Pid") { $info.ArgumentList.Add($a) }
            $info.UseShellExecute = $false
            $info.RedirectStandardOutput = $true
            $info.Environment['MSGCODE_HOME'] = $script:TestHome
            [Diagnostics.Process]::Start($info)
        }
        $pids = foreach ($p in $processes) { $out = $p.StandardOutput.ReadToEnd(); $p.WaitForExit(); $p.ExitCode | Should -Be 0; $out.Trim() }
        @($pids | Sort-Object -Unique).Count | Should -Be 1 -Because 'every starter reports the same daemon'
        @(Get-DaemonProcesses $script:TestHome).Count | Should -Be 1
        (Get-MsgcodeDaemon).Pid | Should -Be ([int]$pids[0])
    }

    It 'reports a stale pidfile after SIGKILL, frees the lock, and starts again' {
        $first = Start-MsgcodeDaemon -PassThru
        Stop-Process -Id $first.Pid -Force   # SIGKILL
        Wait-Until { -not (Test-Path "/proc/$($first.Pid)") } | Should -BeTrue
        Test-LockFree | Should -BeTrue -Because 'the OS releases flock on any exit'
        $info = Get-MsgcodeDaemon
        $info.Running | Should -BeFalse
        $info.Status | Should -Be 'not running (stale pidfile)'
        $second = Start-MsgcodeDaemon -PassThru
        $second.Running | Should -BeTrue
        $second.Pid | Should -Not -Be $first.Pid
        (Get-Content -Raw (Join-Path $script:TestHome 'daemon.json') | ConvertFrom-Json).pid | Should -Be $second.Pid
    }

    It 'never signals an unrelated process that reuses a stale PID' {
        $sleeper = Start-Process -FilePath sleep -ArgumentList 300 -PassThru
        try {
            @{ pid = $sleeper.Id; startTimeUtc = '2001-01-01T00:00:00Z'; startTicks = 1; instanceId = 'x'; state = 'running'; version = '0.0.1'; mode = 'detached'
               home = $script:TestHome; logPath = 'x'; endpoint = 'x' } | ConvertTo-Json | Set-Content (Join-Path $script:TestHome 'daemon.json')
            Set-Content (Join-Path $script:TestHome 'pid') $sleeper.Id
            (Get-MsgcodeDaemon).Running | Should -BeFalse
            (Stop-MsgcodeDaemon -PassThru).Outcome | Should -Be 'not running'
            Start-Sleep -Milliseconds 200
            $sleeper.HasExited | Should -BeFalse -Because 'the stale pidfile named a process that is not our daemon'
        }
        finally { Stop-Process -Id $sleeper.Id -Force -ErrorAction SilentlyContinue }
    }

    It 'survives the death of the terminal that started it' -Skip:(-not (Get-Command script -ErrorAction SilentlyContinue)) {
        # script(1) gives the launcher a real pseudo-terminal and session; when it exits, the terminal is gone.
        $launch = Join-Path $TestDrive 'launch.ps1'
        Set-Content $launch "Import-Module '$(Get-TestModulePath)'; (Start-MsgcodeDaemon -PassThru).Pid; (Get-Content /proc/`$PID/stat).Split(' ')[5]"
        $env:MSGCODE_HOME = $script:TestHome
        $output = @(& script -qec "$((Get-TestPwsh) -join ' ') -NoProfile -NonInteractive -File '$launch'" /dev/null 2>&1 |
            ForEach-Object { ("$_" -replace '\e\[[0-9;?]*[a-zA-Z]', '' -replace '\e[=>]', '').Trim() } | Where-Object { $_ -match '^\d+$' })
        $daemonPid = [int]$output[0]
        $launcherSession = [int]$output[1]
        Start-Sleep -Milliseconds 500
        Test-Path "/proc/$daemonPid" | Should -BeTrue -Because 'the daemon outlives its terminal'
        $session = [int]((Get-Content "/proc/$daemonPid/stat") -replace '^.*\) ', '' -split ' ')[3]
        $session | Should -Not -Be $launcherSession
        (Get-MsgcodeDaemon).Pid | Should -Be $daemonPid
    }

    It 'stops idempotently when nothing runs' {
        (Stop-MsgcodeDaemon -PassThru).Outcome | Should -Be 'not running'
        { Stop-MsgcodeDaemon -ErrorAction Stop } | Should -Not -Throw
    }

    It 'escalates to SIGKILL when SIGTERM is ignored' {
        $process = Start-ForegroundDaemon -Environment @{ MSGCODE_TEST_IGNORE_SIGTERM = '1' }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $result = Stop-MsgcodeDaemon -TimeoutSec 2 -PassThru -WarningVariable warnings 3>$null
        $sw.Stop()
        $result.Outcome | Should -Be 'killed'
        $sw.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 8
        $warnings[0].Message | Should -Match 'killed'
        $process.WaitForExit(5000) | Should -BeTrue
        Test-LockFree | Should -BeTrue
        (Get-MsgcodeDaemon).Running | Should -BeFalse
    }

    It 'exits 0 on SIGTERM and on SIGINT, and survives SIGHUP' {
        foreach ($signal in 'TERM', 'INT') {
            $process = Start-ForegroundDaemon
            $daemonPid = (Get-MsgcodeDaemon).Pid
            & kill -HUP $daemonPid
            Start-Sleep -Milliseconds 300
            $process.HasExited | Should -BeFalse -Because 'SIGHUP reloads, it does not stop'
            (Get-MsgcodeDaemon).Running | Should -BeTrue
            & kill "-$signal" $daemonPid
            $process.WaitForExit(15000) | Should -BeTrue
            $process.ExitCode | Should -Be 0 -Because "SIGTERM and SIGINT drain and exit 0 ($signal)"
            Test-LockFree | Should -BeTrue
        }
        (Get-MsgcodeLog -Tail 50).Message | Should -Contain 'configuration reloaded'
    }

    It 'never shows a half-written status file to a reader during start and stop' {
        $statusPath = Join-Path $script:TestHome 'daemon.json'
        $reader = Start-ThreadJob -ScriptBlock {
            param($path, $seconds)
            $deadline = [DateTime]::UtcNow.AddSeconds($seconds)
            $bad = 0; $seen = 0
            while ([DateTime]::UtcNow -lt $deadline) {
                try { $text = [IO.File]::ReadAllText($path) } catch [IO.FileNotFoundException] { continue } catch [IO.IOException] { continue }
                $seen++
                try { $null = $text | ConvertFrom-Json -ErrorAction Stop } catch { $bad++ }
            }
            [pscustomobject]@{ Bad = $bad; Seen = $seen }
        } -ArgumentList $statusPath, 6
        for ($i = 0; $i -lt 2; $i++) {
            $null = Start-MsgcodeDaemon -PassThru
            $null = Stop-MsgcodeDaemon -PassThru
        }
        $outcome = $reader | Wait-Job | Receive-Job
        $outcome.Bad | Should -Be 0
        $outcome.Seen | Should -BeGreaterThan 0
        Get-ChildItem $script:TestHome -Force -Filter '*.msgcode-tmp' | Should -BeNullOrEmpty
    }

    It 'ends a connection whose one line grows past 4 MB at once, in linear time, and keeps serving' {
        $info = Start-MsgcodeDaemon -PassThru
        $before = (Get-Process -Id $info.Pid).TotalProcessorTime
        $socket = [Net.Sockets.Socket]::new([Net.Sockets.AddressFamily]::Unix, [Net.Sockets.SocketType]::Stream, [Net.Sockets.ProtocolType]::Unspecified)
        $socket.Connect([Net.Sockets.UnixDomainSocketEndPoint]::new($info.Endpoint))
        $chunk = [Text.Encoding]::ASCII.GetBytes('{"jsonrpc":"2.0","id":1,"method":"ping","params":["' + ('x' * (1MB - 60)))
        $filler = [byte[]]::new(1MB); [Array]::Fill($filler, [byte][char]'x')
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $closed = $false
        try {
            $null = $socket.Send($chunk)
            for ($i = 0; $i -lt 63; $i++) { $null = $socket.Send($filler) }   # a 64 MB line, never ended
        }
        catch [Net.Sockets.SocketException] { $closed = $true }            # the daemon hung up mid-line
        if (-not $closed) {
            $socket.ReceiveTimeout = 10000
            $closed = $socket.Receive([byte[]]::new(16)) -eq 0
        }
        $clock.Stop()
        $socket.Dispose()
        $closed | Should -BeTrue
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        ((Get-Process -Id $info.Pid).TotalProcessorTime - $before).TotalSeconds | Should -BeLessThan 5 -Because 'a 64 MB line used to cost 26 s of CPU'
        (Get-MsgcodeDaemon).Status | Should -Be 'running'
    }

    It 'answers malformed control requests with errors and keeps running' {
        $info = Start-MsgcodeDaemon -PassThru
        $socket = [Net.Sockets.Socket]::new([Net.Sockets.AddressFamily]::Unix, [Net.Sockets.SocketType]::Stream, [Net.Sockets.ProtocolType]::Unspecified)
        $socket.Connect([Net.Sockets.UnixDomainSocketEndPoint]::new($info.Endpoint))
        $stream = [Net.Sockets.NetworkStream]::new($socket, $true)
        $writer = [IO.StreamWriter]::new($stream); $writer.AutoFlush = $true
        $reader = [IO.StreamReader]::new($stream)
        $writer.WriteLine('{"jsonrpc":"2.0","id":1,"method":"no.such.method","params":[]}')
        $reply = $reader.ReadLine() | ConvertFrom-Json
        $reply.error.code | Should -Be -32601
        $writer.WriteLine('{"jsonrpc":"2.0","id":2,"method":"ping","params":[]}')
        ($reader.ReadLine() | ConvertFrom-Json).result | Should -Be 'pong'
        $writer.WriteLine('this is not json {{{')
        $stream.Dispose()
        Start-Sleep -Milliseconds 200
        (Get-MsgcodeDaemon).Status | Should -Be 'running'
        (Get-MsgcodeDaemon).Pid | Should -Be $info.Pid
    }
}

Describe 'Control socket of a home whose path is too long for a socket address' -Skip:(-not $script:OnLinux) {
    # A Unix socket address holds ~104-108 bytes, so such a home's socket cannot live in <home>/run. It must then
    # live in a folder only this user can enter: never at a name another local user can predict and take first.
    BeforeAll {
        $script:Me = (& id -un)
        $script:Other = 'msgcode-test-other'
        $script:AddedUser = $false
        if ((& id -u) -eq '0' -and @(Get-Command useradd, userdel, runuser -ErrorAction SilentlyContinue).Count -eq 3) {
            & id $script:Other *> $null
            if ($LASTEXITCODE -ne 0) { & useradd -M $script:Other; $script:AddedUser = $LASTEXITCODE -eq 0 }
        }
        & id $script:Other *> $null
        $script:HaveOther = $LASTEXITCODE -eq 0
        $script:SavedXdg = $env:XDG_RUNTIME_DIR
        $script:SavedTmp = $env:TMPDIR

        function Get-HomeHash([string] $HomePath) {
            $bytes = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($HomePath))
            return [Convert]::ToHexString($bytes).Substring(0, 12).ToLowerInvariant()
        }

        function Get-Stat([string] $Path) { (& stat -c '%U %a %F' $Path) }   # owner, octal mode, type (no link followed)

        function Invoke-ControlPing([string] $Endpoint) {
            # The daemon answers on its socket: a raw JSON-RPC ping.
            $socket = [Net.Sockets.Socket]::new([Net.Sockets.AddressFamily]::Unix, [Net.Sockets.SocketType]::Stream, [Net.Sockets.ProtocolType]::Unspecified)
            try {
                $socket.Connect([Net.Sockets.UnixDomainSocketEndPoint]::new($Endpoint))
                $stream = [Net.Sockets.NetworkStream]::new($socket, $false)
                $writer = [IO.StreamWriter]::new($stream); $writer.AutoFlush = $true
                $writer.WriteLine('{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}')
                return ([IO.StreamReader]::new($stream).ReadLine() | ConvertFrom-Json).result
            }
            finally { $socket.Dispose() }
        }

        function New-RuntimeDir([string] $Mode, [string] $Owner = $script:Me) {
            $path = Join-Path $TestDrive ('xdg-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
            New-Item -ItemType Directory -Path $path | Out-Null
            & chmod $Mode $path
            & chown $Owner $path
            return $path
        }
    }
    AfterAll {
        $env:XDG_RUNTIME_DIR = $script:SavedXdg
        $env:TMPDIR = $script:SavedTmp
        if ($script:AddedUser) { & userdel $script:Other }
    }
    BeforeEach {
        $script:TestHome = New-TestHome -Name ('a-home-whose-path-is-too-long-for-a-unix-socket-address-' + [guid]::NewGuid().ToString('N'))
        [Text.Encoding]::UTF8.GetByteCount((Join-Path $script:TestHome 'run' 'daemon.sock')) | Should -BeGreaterThan 108
        Remove-Item Env:XDG_RUNTIME_DIR -ErrorAction SilentlyContinue
        Remove-Item Env:TMPDIR -ErrorAction SilentlyContinue
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 5 -ErrorAction SilentlyContinue
        foreach ($id in @(Get-DaemonProcesses $script:TestHome)) { Stop-Process -Id $id -Force -ErrorAction SilentlyContinue }
        Remove-Item Env:XDG_RUNTIME_DIR -ErrorAction SilentlyContinue
    }

    It 'starts and answers although another user took the old predictable socket name and planted names in /tmp' -Skip:(-not $script:AsRoot) {
        $tmp = [IO.Path]::GetTempPath()
        $hash = Get-HomeHash $script:TestHome
        $old = Join-Path $tmp "msgcode-$([Environment]::UserName)-$hash.sock"
        $planted = @($old, (Join-Path $tmp "msgcode-$hash-AAAAAA"), (Join-Path $tmp 'msgcode'), (Join-Path $tmp "msgcode-$hash-zzzzzz"), (Join-Path $tmp "msgcode-$([Environment]::UserName)"))
        try {
            # As the other user: a folder at the old socket name (no bind succeeds on it, and in the sticky /tmp only
            # its owner may remove it), a dangling symbolic link and world-writable folders named like msgcode's, a file.
            & runuser -u $script:Other -- sh -c "mkdir -m 777 '$($planted[0])' '$($planted[2])' '$($planted[3])' && ln -s /nonexistent/msgcode-target '$($planted[1])' && : > '$($planted[4])'"
            $LASTEXITCODE | Should -Be 0
            (Get-Stat $old) | Should -Be "$script:Other 777 directory"

            $info = Start-MsgcodeDaemon -PassThru
            $info.Running | Should -BeTrue
            $info.Endpoint | Should -Not -Be $old
            $folder = Split-Path $info.Endpoint
            (Split-Path $folder) + '/' | Should -Be $tmp
            Split-Path $folder -Leaf | Should -Match "^msgcode-$hash-[A-Za-z0-9]{6}$" -Because 'a name made by mkdtemp: random, created atomically'
            $folder | Should -Not -BeIn $planted
            (Get-Stat $folder) | Should -Be "$script:Me 700 directory"
            (Get-Stat $info.Endpoint) | Should -Be "$script:Me 600 socket"

            # Clients find the socket through daemon.json, and the daemon answers there.
            (Get-Content -Raw (Join-Path $script:TestHome 'daemon.json') | ConvertFrom-Json).endpoint | Should -Be $info.Endpoint
            $status = Get-MsgcodeDaemon
            $status.Status | Should -Be 'running'
            $status.Endpoint | Should -Be $info.Endpoint
            Invoke-ControlPing $info.Endpoint | Should -Be 'pong'

            # What the other user planted is theirs and untouched.
            (Get-Stat $old) | Should -Be "$script:Other 777 directory"
            (Get-Stat $planted[1]) | Should -Be "$script:Other 777 symbolic link"
            (Get-Stat $planted[3]) | Should -Be "$script:Other 777 directory"
        }
        finally {
            foreach ($path in $planted) { & rm -rf -- $path }
        }
    }

    It 'removes its private folder when it stops, and a killed daemon''s folder at the next start' {
        $first = Start-MsgcodeDaemon -PassThru
        $firstFolder = Split-Path $first.Endpoint
        (Get-Stat $firstFolder) | Should -Be "$script:Me 700 directory"
        (Stop-MsgcodeDaemon -PassThru).Outcome | Should -Be 'stopped'
        Test-Path -LiteralPath $firstFolder | Should -BeFalse

        $second = Start-MsgcodeDaemon -PassThru
        $secondFolder = Split-Path $second.Endpoint
        $secondFolder | Should -Not -Be $firstFolder
        Stop-Process -Id $second.Pid -Force   # SIGKILL: no chance to clean up
        Wait-Until { -not (Test-Path "/proc/$($second.Pid)") } | Should -BeTrue
        Test-Path -LiteralPath $secondFolder | Should -BeTrue
        (Stop-MsgcodeDaemon -PassThru).Outcome | Should -Be 'not running' # clears daemon.json: the next daemon still finds the folder

        $third = Start-MsgcodeDaemon -PassThru
        Test-Path -LiteralPath $secondFolder | Should -BeFalse -Because 'the folder of an earlier daemon of this home is stale once this daemon holds the lock'
        Invoke-ControlPing $third.Endpoint | Should -Be 'pong'
    }

    It 'puts the socket in $XDG_RUNTIME_DIR/msgcode when that folder is private' {
        $env:XDG_RUNTIME_DIR = New-RuntimeDir 700
        $info = Start-MsgcodeDaemon -PassThru
        $folder = Join-Path $env:XDG_RUNTIME_DIR 'msgcode'
        Split-Path $info.Endpoint | Should -Be $folder
        (Get-Stat $folder) | Should -Be "$script:Me 700 directory"
        (Get-Stat $info.Endpoint) | Should -Be "$script:Me 600 socket"
        Invoke-ControlPing $info.Endpoint | Should -Be 'pong'
        (Get-MsgcodeDaemon).Status | Should -Be 'running'
    }

    It 'does not use an XDG_RUNTIME_DIR that is <Case>' -ForEach @(
        @{ Case = 'world-writable'; Mode = '1777'; Owner = $null }
        @{ Case = 'group-writable'; Mode = '770'; Owner = $null }
        @{ Case = 'another user''s'; Mode = '700'; Owner = 'msgcode-test-other' }
    ) {
        if ($Owner -and -not $script:HaveOther) { Set-ItResult -Skipped -Because 'no other local user'; return }
        $env:XDG_RUNTIME_DIR = New-RuntimeDir $Mode ($Owner ?? $script:Me)
        $info = Start-MsgcodeDaemon -PassThru
        $info.Endpoint | Should -Not -BeLike "$env:XDG_RUNTIME_DIR*"
        Test-Path -LiteralPath (Join-Path $env:XDG_RUNTIME_DIR 'msgcode') | Should -BeFalse
        $folder = Split-Path $info.Endpoint
        (Split-Path $folder) + '/' | Should -Be ([IO.Path]::GetTempPath())
        (Get-Stat $folder) | Should -Be "$script:Me 700 directory"
        Invoke-ControlPing $info.Endpoint | Should -Be 'pong'
    }

    It 'refuses a socket folder that is not private (<Case>) with DaemonEndpointNotPrivate' -ForEach @(
        @{ Case = 'mode 755'; Mode = '755'; Owner = $null }
        @{ Case = 'another user''s'; Mode = '700'; Owner = 'msgcode-test-other' }
    ) {
        if ($Owner -and -not $script:HaveOther) { Set-ItResult -Skipped -Because 'no other local user'; return }
        $xdg = New-RuntimeDir 700
        $folder = Join-Path $xdg 'msgcode'
        New-Item -ItemType Directory -Path $folder | Out-Null
        $Owner = $Owner ?? $script:Me
        & chmod $Mode $folder
        & chown $Owner $folder
        $env:XDG_RUNTIME_DIR = $xdg
        $process = Start-ForegroundDaemon -Script 'try { Start-MsgcodeDaemon -Foreground -Mode systemd -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.TargetObject; exit 3 }' -NoWait
        try {
            $process.WaitForExit(60000) | Should -BeTrue -Because 'the daemon refuses to start'
            $output = @($process.StandardOutput.ReadToEnd() -split "`n" | Where-Object { $_ })
            $process.ExitCode | Should -Be 3
            $output[0] | Should -BeLike 'DaemonEndpointNotPrivate,*'
            $output[1] | Should -Be $folder
        }
        finally { if (-not $process.HasExited) { $process.Kill($true) } }
        (Get-Stat $folder) | Should -Be "$Owner $Mode directory" -Because 'a folder that is not ours to fix is left as it is'
        (Get-MsgcodeDaemon).Running | Should -BeFalse
    }
}

Describe 'Get-MsgcodeLog' -Skip:(-not $script:OnLinux) {
    BeforeEach {
        $script:TestHome = New-TestHome
        $script:LogDir = Join-Path $script:TestHome 'log'
        $script:LogFile = Join-Path $script:LogDir 'msgcode.log'
        New-Item -ItemType Directory -Path $script:LogDir | Out-Null
        function Write-LogLine([string] $Path, [int] $N, [string] $Level = 'info') {
            [IO.File]::AppendAllText($Path, (@{ ts = '2026-01-01T00:00:00.000Z'; level = $Level; module = 'test'; msg = "line $N"; n = $N } | ConvertTo-Json -Compress) + "`n")
        }
    }

    It 'prints a clear message when there is no log yet' {
        $result = @(Get-MsgcodeLog -WarningVariable warnings 3>$null)
        $result | Should -BeNullOrEmpty
        $warnings[0].Message | Should -Match 'no log yet'
    }

    It 'prints the last N lines, parsed, and filters by level' {
        1..30 | ForEach-Object { Write-LogLine $script:LogFile $_ $(if ($_ % 10 -eq 0) { 'error' } else { 'info' }) }
        [IO.File]::AppendAllText($script:LogFile, '{"ts":"2026-01-01T00:00:00.000Z","msg":"torn')
        $tail = Get-MsgcodeLog -Tail 5
        $tail.Message | Should -Be @('line 26', 'line 27', 'line 28', 'line 29', 'line 30')
        $tail[0].Fields.n | Should -Be 26
        $tail[0].Level | Should -Be 'info'
        (Get-MsgcodeLog -Tail 3 -Raw)[-1] | Should -BeLike '*"line 30"*'
        (Get-MsgcodeLog -Tail 30 -Level error).Message | Should -Be @('line 10', 'line 20', 'line 30')
    }

    It 'follows new lines within a second, through truncation and rotation, losing none, and stops when asked' {
        Write-LogLine $script:LogFile 0
        $ps = [PowerShell]::Create()
        $null = $ps.AddScript("`$env:MSGCODE_HOME = '$script:TestHome'; Import-Module '$(Get-TestModulePath)'; Get-MsgcodeLog -Tail 1 -Follow -Raw -PollIntervalSec 0.1 -WarningAction SilentlyContinue")
        $output = [Management.Automation.PSDataCollection[psobject]]::new()
        $handle = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]::new(), $output)
        try {
            # Ready when the last existing line (0) has been shown; only then is "within a second" measurable.
            Wait-Until { $output.Count -ge 1 } -TimeoutSec 30 | Should -BeTrue
            Write-LogLine $script:LogFile 1
            Wait-Until { $output.Count -ge 2 } -TimeoutSec 1.5 | Should -BeTrue -Because 'a new line shows within a second'

            2..5 | ForEach-Object { Write-LogLine $script:LogFile $_ }
            Wait-Until { $output.Count -ge 6 } -TimeoutSec 3 | Should -BeTrue

            # Rotation by rename: lines written to the old file just before the switch are not lost.
            Write-LogLine $script:LogFile 6
            Move-Item $script:LogFile "$script:LogFile.1"
            Write-LogLine "$script:LogFile.1" 7
            Write-LogLine $script:LogFile 8
            9..10 | ForEach-Object { Write-LogLine $script:LogFile $_ }
            Wait-Until { $output.Count -ge 11 } -TimeoutSec 3 | Should -BeTrue

            # Truncation: start again from the top.
            [IO.File]::WriteAllText($script:LogFile, '')
            Start-Sleep -Milliseconds 300
            11..12 | ForEach-Object { Write-LogLine $script:LogFile $_ }
            Wait-Until { $output.Count -ge 13 } -TimeoutSec 3 | Should -BeTrue
        }
        finally {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Stop()
        }
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 2 -Because 'Ctrl+C stops following promptly'
        $numbers = $output | ForEach-Object { ($_ | ConvertFrom-Json).n }
        $numbers | Sort-Object | Should -Be (0..12)
        $ps.Dispose()
    }
}

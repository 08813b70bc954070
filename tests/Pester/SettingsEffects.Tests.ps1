#Requires -Version 7.4
# Settings that no other test changed: each test sets one (or a pair) and sees its effect with the real parts (the
# daemon and its log, the task ledger, espeak-ng, git worktrees, the real Claude Code CLI against the loopback model
# stand-in). tests/Msgcode.Core.Tests/Config/SettingsConformanceTests.cs names these tests as the proof of their keys.

BeforeDiscovery {
    $script:OnUnix = $IsLinux -or $IsMacOS
    $script:CanSpeak = $IsLinux -and [bool](Get-Command espeak-ng -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Settings seen at work' {
    BeforeEach {
        $script:TestHome = New-TestHome
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It "rotates the daemon's log at log.maxBytes and keeps log.maxFiles rotated files" -Skip:(-not $script:OnUnix) {
        Set-MsgcodeConfig log.maxBytes 4096
        Set-MsgcodeConfig log.maxFiles 2
        $daemon = Start-MsgcodeDaemon -PassThru
        $log = Join-Path $script:TestHome 'log' 'msgcode.log'
        # Each SIGHUP writes two lines to the log; enough of them fill several 4 KiB files.
        Wait-Until { & kill -HUP $daemon.Pid; Start-Sleep -Milliseconds 20; Test-Path "$log.2" } -TimeoutSec 60 | Should -BeTrue
        $rotated = Get-Content -Raw "$log.2"
        Wait-Until { & kill -HUP $daemon.Pid; Start-Sleep -Milliseconds 20; (Get-Content -Raw "$log.2") -ne $rotated } -TimeoutSec 60 | Should -BeTrue -Because 'the log keeps rotating'
        Test-Path "$log.1" | Should -BeTrue
        Test-Path "$log.2" | Should -BeTrue
        Test-Path "$log.3" | Should -BeFalse -Because 'log.maxFiles is 2'
        foreach ($file in "$log.1", "$log.2") { (Get-Item $file).Length | Should -BeLessOrEqual 4096 }
    }

    It "trims a workspace's run records to runs.retentionDays and runs.retentionCount after a run" {
        $ws = New-TestWorkspace
        $task = New-MsgcodeTask -Title 'count' -Prompt 'echo one' -Runner shell -Workspace $ws
        $null = $task | Invoke-MsgcodeTask
        $ledger = Join-Path $ws 'tasks' 'runs.jsonl'
        $lines = @(Get-Content $ledger)
        # Over 1 MiB of runs (trimming waits for that much): 2000 of them 90 days old, then 50 of yesterday.
        $old = [DateTimeOffset]::UtcNow.AddDays(-90).ToUnixTimeMilliseconds()
        $recent = [DateTimeOffset]::UtcNow.AddDays(-1).ToUnixTimeMilliseconds()
        $runId = ($lines[0] | ConvertFrom-Json).runId
        $builder = [Text.StringBuilder]::new()
        foreach ($n in 1..2050) {
            $ts = if ($n -le 2000) { $old + $n } else { $recent + $n }
            foreach ($line in $lines) {
                $record = $line | ConvertFrom-Json
                $record.runId = '{0}_{1:d5}' -f $runId, $n
                $record.tsMs = $ts
                $record | Add-Member -NotePropertyName pad -NotePropertyValue ('x' * 200) -Force
                $null = $builder.AppendLine(($record | ConvertTo-Json -Compress -Depth 10))
            }
        }
        [IO.File]::WriteAllText($ledger, $builder.ToString() + (($lines -join "`n") + "`n"))
        (Get-Item $ledger).Length | Should -BeGreaterThan 1MB

        Set-MsgcodeConfig runs.retentionDays 30
        Set-MsgcodeConfig runs.retentionCount 10
        $null = $task | Invoke-MsgcodeTask -Force
        $runs = @(Get-Content $ledger | ForEach-Object { ($_ | ConvertFrom-Json).runId } | Sort-Object -Unique)
        $runs.Count | Should -Be 10 -Because 'runs.retentionCount keeps the newest 10 runs'
        $runs | Where-Object { $_ -match '_0(0|1)\d{3}$' } | Should -BeNullOrEmpty -Because 'runs older than runs.retentionDays are gone'
        (Get-MsgcodeTaskRun -Workspace $ws -Last 1).Status | Should -Be 'succeeded'
    }

    It 'speaks with the voice tts.voice names' -Skip:(-not $script:CanSpeak) {
        $text = 'The build is green.'
        $default = [IO.File]::ReadAllBytes(((Invoke-MsgcodeRunner tts $text).Artifacts | Where-Object { $_ -like '*speech.wav' }))
        Set-MsgcodeConfig tts.voice 'en-us+f2'
        $voiced = [IO.File]::ReadAllBytes(((Invoke-MsgcodeRunner tts $text).Artifacts | Where-Object { $_ -like '*speech.wav' }))
        # What espeak-ng itself makes with that voice: the same bytes.
        $expected = Join-Path $TestDrive 'expected.wav'
        & espeak-ng -v 'en-us+f2' -w $expected $text
        [Convert]::ToHexString($voiced) | Should -Be ([Convert]::ToHexString([IO.File]::ReadAllBytes($expected)))
        [Convert]::ToHexString($voiced) | Should -Not -Be ([Convert]::ToHexString($default))
    }

    It 'copies the files worktree.copyFiles names into a new worktree, and no others' {
        $ws = New-TestWorkspace
        git -C $ws init -q
        Set-Content -Path (Join-Path $ws 'a.txt') -Value 'tracked'
        Set-Content -Path (Join-Path $ws '.gitignore') -Value "*.local.json`n.env"
        git -C $ws add -A
        git -C $ws -c user.name=t -c user.email=t@example.com commit -qm first
        Set-Content -Path (Join-Path $ws '.env') -Value 'TOKEN=x'
        Set-Content -Path (Join-Path $ws 'settings.local.json') -Value '{}'
        Set-MsgcodeConfig worktree.copyFiles '*.local.json' -Workspace $ws
        $task = New-MsgcodeTask -Title 'look' -Prompt 'ls -a > seen.txt' -Runner shell -Workspace $ws
        ($task | Invoke-MsgcodeTask -Worktree).Status | Should -Be 'succeeded'
        $worktree = Join-Path $ws 'worktrees' $task.Id
        Test-Path (Join-Path $worktree 'settings.local.json') | Should -BeTrue
        Test-Path (Join-Path $worktree '.env') | Should -BeFalse -Because 'the default .env is replaced by the list the workspace gives'
        Get-Content (Join-Path $worktree 'seen.txt') | Should -Contain 'settings.local.json'
        Get-Content -Raw (Get-MsgcodePatch $task.Id -Workspace $ws).Path | Should -Not -Match 'b/settings\.local\.json' -Because 'copied files never enter the patch'
    }
}

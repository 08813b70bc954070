# Every PowerShell code block of README.md, docs/*.md and the help pages' examples runs, or says why it cannot
# (DocBlocks.psm1 reads the marks). Each file's blocks run in order in one fresh pwsh against a temporary
# MSGCODE_HOME and HOME, in a workspace that is a git repository (~/msgcode-workspaces/acme, also ~/src/acme) holding
# the files examples read (decisions.txt, backlog.csv, jobs.csv); a help page's examples also find the jobs and chat
# routes its neighbours' examples name. Files run side by side.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    $root = Split-Path (Split-Path $PSScriptRoot)
    $script:Cases = foreach ($group in Get-DocBlockGroups -Root $root) {
        for ($i = 0; $i -lt $group.Blocks.Count; $i++) {
            $block = $group.Blocks[$i]
            @{ File = $group.Name; Index = $i; Line = $block.Line; Reason = $block.Reason; First = (($block.Code -split "`n")[0]) }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    $root = Split-Path (Split-Path $PSScriptRoot)
    $runner = Join-Path $PSScriptRoot 'DocBlockRunner.ps1'
    $pwsh = Get-TestPwsh
    $timeoutSec = 120
    $git = @{ GIT_AUTHOR_NAME = 'doc'; GIT_AUTHOR_EMAIL = 'doc@example.com'; GIT_COMMITTER_NAME = 'doc'; GIT_COMMITTER_EMAIL = 'doc@example.com' }

    # The stand: a repository with a committed file or two, copied for each file's run.
    $template = Join-Path $TestDrive 'repo-template'
    New-Item -ItemType Directory -Path $template | Out-Null
    foreach ($name in $git.Keys) { [Environment]::SetEnvironmentVariable($name, $git[$name]) }
    git -C $template init -q -b main
    Set-Content (Join-Path $template 'notes.txt') 'notes'
    Set-Content (Join-Path $template 'README.md') 'acme'
    # The reader's own files that examples name.
    Set-Content (Join-Path $template 'decisions.txt') 'We deploy on Tuesdays.', 'Staging uses port 5433.'
    Set-Content (Join-Path $template 'backlog.csv') 'Title,Prompt,Runner', 'Say hello,echo hello,shell', 'List files,Get-ChildItem,pwsh'
    Set-Content (Join-Path $template 'jobs.csv') 'Name,Cron,TimeZone,Title,Prompt,Runner', 'nightly,0 2 * * *,UTC,nightly,date,shell'
    git -C $template add -A
    git -C $template commit -q -m initial

    $helpStand = @'
Set-MsgcodeRoute 'iMessage;+;chat123' ~/msgcode-workspaces/acme -Runner shell | Out-Null
Set-MsgcodeRoute 'iMessage;+;chat0e2e0001' ~/msgcode-workspaces/acme -Runner shell | Out-Null
if ($__docFile -eq 'help/New-MsgcodeJob.md') { return }   # its examples make these jobs
New-MsgcodeJob -Name 'commit summary' -Cron '0 9 * * 1-5' -TimeZone Asia/Shanghai -Workspace ~/msgcode-workspaces/acme -Runner shell -Title summary -Prompt 'git log -1' | Out-Null
New-MsgcodeJob -Name backup -Cron '0 3 * * *' -TimeZone UTC -Workspace ~/msgcode-workspaces/acme -Runner shell -Title backup -Prompt 'date' | Out-Null
New-MsgcodeJob -Name heartbeat -Every (New-TimeSpan -Minutes 5) -Workspace ~/msgcode-workspaces/acme -Runner shell -Title beat -Prompt 'date' | Out-Null
'@
    $script:Results = @{}
    $pending = [System.Collections.Generic.Queue[object]]::new()
    foreach ($group in Get-DocBlockGroups -Root $root) {
        $runnable = @(for ($i = 0; $i -lt $group.Blocks.Count; $i++) {
                if (-not $group.Blocks[$i].Reason) { @{ Index = $i; Code = $group.Blocks[$i].Code } }
            })
        if ($runnable.Count -eq 0) { continue }
        if ($group.Name -like 'help/*-*.md') {
            # A cmdlet's examples assume what its neighbours' examples made: the jobs and the chats they name.
            $runnable = @(@{ Index = -1; Code = "`$__docFile = '$($group.Name)'`n$helpStand" }) + $runnable
        }
        $pending.Enqueue(@{ Name = $group.Name; Blocks = $runnable })
    }

    $running = @()
    $throttle = [Math]::Max(2, [Environment]::ProcessorCount)
    $n = 0
    while ($pending.Count -gt 0 -or $running.Count -gt 0) {
        while ($pending.Count -gt 0 -and $running.Count -lt $throttle) {
            $group = $pending.Dequeue()
            $dir = Join-Path $TestDrive ('doc-' + (++$n))
            $userHome = Join-Path $dir 'user'
            $msgcodeHome = Join-Path $dir 'home'
            New-Item -ItemType Directory -Path $msgcodeHome, (Join-Path $userHome 'msgcode-workspaces'), (Join-Path $userHome 'src') | Out-Null
            $workspace = Join-Path $userHome 'msgcode-workspaces' 'acme'
            Copy-Item -Recurse $template $workspace
            Copy-Item -Recurse $template (Join-Path $userHome 'src' 'acme')
            $blocksFile = Join-Path $dir 'blocks.json'
            $resultsFile = Join-Path $dir 'results.jsonl'
            ConvertTo-Json -InputObject @($group.Blocks) -Depth 4 | Set-Content -LiteralPath $blocksFile
            $environment = @{ MSGCODE_HOME = $msgcodeHome; HOME = $userHome; NO_COLOR = '1' } + $git
            $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $runner,
                '-BlocksFile', $blocksFile, '-ResultsFile', $resultsFile, '-ModulePath', (Get-TestModulePath), '-Workspace', $workspace)
            $process = Start-Process -FilePath $pwsh[0] -ArgumentList $arguments -Environment $environment -PassThru `
                -RedirectStandardOutput (Join-Path $dir 'out.txt') -RedirectStandardError (Join-Path $dir 'err.txt')
            $running += @{ Group = $group; Process = $process; Results = $resultsFile; Dir = $dir; Started = [DateTime]::UtcNow; Home = $msgcodeHome; UserHome = $userHome }
        }
        Start-Sleep -Milliseconds 200
        $still = @()
        foreach ($run in $running) {
            $timedOut = ([DateTime]::UtcNow - $run.Started).TotalSeconds -gt $timeoutSec
            if (-not $run.Process.HasExited -and -not $timedOut) { $still += $run; continue }
            if (-not $run.Process.HasExited) {
                $run.Process.Kill($true)
                Invoke-TestPwsh -Script 'Stop-MsgcodeDaemon -ErrorAction SilentlyContinue' -Environment @{ MSGCODE_HOME = $run.Home; HOME = $run.UserHome } | Out-Null
            }
            $lines = if (Test-Path $run.Results) { @(Get-Content -LiteralPath $run.Results) } else { @() }
            $done = @{}
            foreach ($line in $lines) { $r = $line | ConvertFrom-Json; $done[[int]$r.Index] = $r }
            $stderr = (Get-Content -Raw -LiteralPath (Join-Path $run.Dir 'err.txt') -ErrorAction SilentlyContinue)
            if ($done.ContainsKey(-1) -and -not $done[-1].Ok) { throw "The help examples' stand failed: $($done[-1].Error)" }
            foreach ($block in $run.Group.Blocks | Where-Object Index -ge 0) {
                $script:Results["$($run.Group.Name)#$($block.Index)"] = if ($done.ContainsKey($block.Index)) { $done[$block.Index] }
                elseif ($timedOut) { @{ Ok = $false; Error = "not reached: the file's blocks ran longer than $timeoutSec s (a block that never ends needs a not-run mark)" } }
                else { @{ Ok = $false; Error = "not reached: the session ended ($stderr)" } }
            }
        }
        $running = $still
    }
}

Describe 'Documentation code blocks' -Skip:$IsWindows {   # the blocks use ~ as HOME and sh prompts; Windows has neither
    It '<File> block <Index> (line <Line>: <First>)' -ForEach $script:Cases {
        if ($Reason) {
            Set-ItResult -Skipped -Because "marked not run: $Reason"
            return
        }
        $result = $script:Results["$File#$Index"]
        $result | Should -Not -BeNullOrEmpty
        $result.Ok | Should -BeTrue -Because "the block at $File line $Line must run as written, or be marked '<!-- not run: reason -->' (help examples: a first line '# not run: reason'); it failed with: $($result.Error)"
    }

    It 'marks say why' -ForEach @($script:Cases | Where-Object Reason -ne $null) {
        $Reason.Trim().Length | Should -BeGreaterThan 5 -Because "$File line $Line is marked not run without a real reason"
    }
}

#Requires -Version 7.4
# PowerShell conventions, checked across every exported cmdlet: each object type the module emits (made for real: tasks,
# runs, a job fired by the real daemon, worktrees and patches in a git workspace, memory, routes, settings, the doctor)
# has a default view that fits 120 columns with every header whole; ConvertTo-Json -Depth 3 of it has no TimeSpan or
# DateTime sub-objects and no internal objects; and every cmdlet that supports ShouldProcess changes nothing on disk
# under -WhatIf.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:CanRun = $IsLinux -and [bool](Get-Command git -CommandType Application -ErrorAction SilentlyContinue)
    $commands = Get-Command -Module Msgcode
    $script:EmittedTypes = @($commands.OutputType | Where-Object { $_.Name -like 'Msgcode.*' } | ForEach-Object Name | Sort-Object -Unique |
        ForEach-Object { @{ TypeName = $_ } })
    $script:MutatingCommands = @($commands | Where-Object { $_.Parameters.ContainsKey('WhatIf') } | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:SavedGit = @{}
    foreach ($name in 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM', 'XDG_CONFIG_HOME') {
        $script:SavedGit[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $env:GIT_AUTHOR_NAME = 'msgcode test'; $env:GIT_AUTHOR_EMAIL = 'test@example.com'
    $env:GIT_COMMITTER_NAME = 'msgcode test'; $env:GIT_COMMITTER_EMAIL = 'test@example.com'
    $env:GIT_CONFIG_GLOBAL = Join-Path $TestDrive 'gitconfig-global'
    $env:GIT_CONFIG_NOSYSTEM = '1'
    Set-Content -Path $env:GIT_CONFIG_GLOBAL -Value "[init]`n`tdefaultBranch = main`n[core]`n`tautocrlf = false"
    # The service cmdlets write their unit under XDG_CONFIG_HOME: keep it inside the test drive, and hash it with the rest.
    $script:ConfigHome = Join-Path $TestDrive 'xdg-config'
    New-Item -ItemType Directory -Path $script:ConfigHome | Out-Null
    $env:XDG_CONFIG_HOME = $script:ConfigHome

    function script:git { & (Get-Command git -CommandType Application | Select-Object -First 1) @args; if ($LASTEXITCODE -ne 0) { throw "git $args failed ($LASTEXITCODE)" } }

    function script:Get-TreeHash([string[]] $Path) {
        # Every folder and every file (with its content's hash) under the given trees: one string that changes with any write.
        $lines = foreach ($root in $Path) {
            Get-ChildItem -LiteralPath $root -Recurse -Force | Sort-Object FullName | ForEach-Object {
                if ($_.PSIsContainer) { "d $($_.FullName)" }
                else { "f $($_.FullName) $((Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash)" }
            }
        }
        $lines -join "`n"
    }

    function script:Get-TableView([string] $TypeName) {
        $data = Get-FormatData -TypeName $TypeName -PowerShellVersion $PSVersionTable.PSVersion
        @($data.FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.TableControl] })[0]
    }

    function script:Get-ListView([string] $TypeName) {
        $data = Get-FormatData -TypeName $TypeName -PowerShellVersion $PSVersionTable.PSVersion
        @($data.FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.ListControl] })[0]
    }

    function script:Get-JsonProblems([string] $Json) {
        # What ConvertTo-Json made of the object that a reader of the JSON should not have to decode: TimeSpan and date
        # structs spelled out field by field, internal objects, objects cut to their type name at the depth limit, and
        # date or duration properties that are not ISO strings or numbers.
        $structKeys = 'Ticks', 'TotalMilliseconds', 'TotalSeconds', 'TotalDays', 'DateTime', 'UtcDateTime', 'LocalDateTime', 'DayOfWeek', 'DayNumber', 'ValueKind'
        $document = [System.Text.Json.JsonDocument]::Parse($Json)
        $stack = [System.Collections.Generic.Stack[object]]::new()
        $stack.Push(@('$', $document.RootElement))
        while ($stack.Count) {
            $where, $element = $stack.Pop()
            switch ($element.ValueKind) {
                'Object' {
                    foreach ($property in $element.EnumerateObject()) {
                        $path = "$where.$($property.Name)"
                        if ($property.Name -in $structKeys) { "$path is a field of a spelled-out struct" }
                        if ($property.Name -eq 'Definition') { "$path is an internal object" }
                        $kind = $property.Value.ValueKind
                        if ($property.Name -cmatch '(At|Time|Since)$' -and $kind -notin 'String', 'Null') { "$path is a date that is not an ISO string ($kind)" }
                        if ($property.Name -cmatch '(At|Since)$' -and $kind -eq 'String' -and $property.Value.GetString() -notmatch '^\d{4}-\d\d-\d\dT\d\d:\d\d') { "$path is not an ISO 8601 date: $($property.Value.GetString())" }
                        if ($property.Name -match 'Seconds$' -and $kind -notin 'Number', 'Null') { "$path is a duration that is not a number of seconds ($kind)" }
                        $stack.Push(@($path, $property.Value))
                    }
                }
                'Array' { $i = 0; foreach ($item in $element.EnumerateArray()) { $stack.Push(@("$where[$i]", $item)); $i++ } }
                'String' { if ($element.GetString() -match '^(Msgcode|System)\.[A-Za-z.`\[\]0-9]+$') { "$where is an object cut to its type name: $($element.GetString())" } }
            }
        }
    }

    $script:Chat = 'iMessage;+;chat0e2e0001conventions'
    $script:Samples = [ordered]@{}
    if (-not ($IsLinux -and (Get-Command git -CommandType Application -ErrorAction SilentlyContinue))) { return }

    # A home and a workspace with long names, as people have them, and a git repository in the workspace.
    $script:TestHome = New-TestHome 'home of a person with a long name/msgcode'
    $script:Ws = Join-Path $TestDrive 'workspaces' 'a-rather-long-project-name-for-the-conventions'
    New-Item -ItemType Directory -Force -Path $script:Ws | Out-Null
    git -C $script:Ws init -q
    Set-Content -Path (Join-Path $script:Ws 'a.txt') -Value "alpha`nbeta`n" -NoNewline
    Set-Content -Path (Join-Path $script:Ws 'b.txt') -Value "one`ntwo`n" -NoNewline
    git -C $script:Ws add -A
    git -C $script:Ws commit -q -m 'first'

    Set-MsgcodeConfig log.level debug
    Set-MsgcodeConfig worktree.verify 'true' -Workspace $script:Ws

    # Tasks and runs: one that edits in a worktree (its patch merged later), one kept unmerged, one with two attempts,
    # one that fails with an error code, one left open.
    $merged = New-MsgcodeTask -Title 'Refactor the configuration loader so that every layer reports its own problems' -Prompt 'echo gamma >> a.txt' -Runner shell -Workspace $script:Ws
    $null = $merged | Invoke-MsgcodeTask -Worktree
    $script:Unmerged = New-MsgcodeTask -Title 'Edit b' -Prompt 'echo three >> b.txt' -Runner shell -Workspace $script:Ws
    $null = $script:Unmerged | Invoke-MsgcodeTask -Worktree
    $attempts = New-MsgcodeTask -Title 'Two tries' -Prompt 'echo new > c.txt' -Runner shell -Workspace $script:Ws
    $null = $attempts | Invoke-MsgcodeTask -Worktree -Attempts 2
    $failing = New-MsgcodeTask -Title 'Fails on purpose' -Prompt 'exit 3' -Runner shell -Workspace $script:Ws
    $null = $failing | Invoke-MsgcodeTask -ErrorAction SilentlyContinue
    $script:Open = New-MsgcodeTask -Title 'Still open' -Prompt 'echo later' -Runner shell -Workspace $script:Ws

    $script:Samples['Msgcode.Core.Tasks.TaskInfo'] = @(Get-MsgcodeTask -Workspace $script:Ws)
    $script:Samples['Msgcode.Core.Runs.TaskRunInfo'] = @(Get-MsgcodeTaskRun -Workspace $script:Ws)
    $script:Samples['Msgcode.Core.Worktrees.WorktreeInfo'] = @(Get-MsgcodeWorktree -Workspace $script:Ws)
    $script:Samples['Msgcode.Core.Worktrees.PatchInfo'] = @(Get-MsgcodePatch $script:Unmerged.Id -Workspace $script:Ws)
    $script:Samples['Msgcode.Core.Worktrees.PatchFileChange'] = @((Get-MsgcodePatch $script:Unmerged.Id -Workspace $script:Ws).Files)
    $script:Samples['Msgcode.Core.Worktrees.PatchCheck'] = @(Test-MsgcodePatch $script:Unmerged.Id -Workspace $script:Ws -Detailed)
    $script:Samples['Msgcode.Core.Worktrees.AttemptComparison'] = @(Compare-MsgcodePatch $attempts.Id -Workspace $script:Ws)
    $script:Samples['Msgcode.Core.Worktrees.PatchApplyResult'] = @(Merge-MsgcodePatch $merged.Id -Workspace $script:Ws -Commit -Confirm:$false)
    $script:Samples['Msgcode.Core.Worktrees.PatchUndoResult'] = @(Undo-MsgcodePatch $merged.Id -Workspace $script:Ws -Confirm:$false)
    $null = Merge-MsgcodePatch $merged.Id -Workspace $script:Ws -Commit -Confirm:$false   # merged again: Undo -WhatIf has something to undo
    $script:Merged = $merged

    # A worktree whose folder was deleted by hand, for Clear-MsgcodeWorktree, in a workspace of its own.
    $clearWs = Join-Path $TestDrive 'workspaces' 'another-project-whose-worktrees-are-cleared'
    New-Item -ItemType Directory -Force -Path $clearWs | Out-Null
    git -C $clearWs init -q
    Set-Content -Path (Join-Path $clearWs 'x.txt') -Value 'x'
    git -C $clearWs add -A
    git -C $clearWs commit -q -m 'first'
    $old = New-MsgcodeTask -Title 'done long ago' -Prompt 'echo y > x.txt' -Runner shell -Workspace $clearWs
    $null = $old | Invoke-MsgcodeTask -Worktree
    Remove-Item -Recurse -Force (Join-Path $clearWs 'worktrees' $old.Id)
    $script:Samples['Msgcode.Core.Worktrees.WorktreeCleanupItem'] = @(Clear-MsgcodeWorktree -Workspace $clearWs -Confirm:$false)

    # Memory, a runner call, routes and settings.
    $script:Samples['Msgcode.Core.Memory.MemoryEntry'] = @(Add-MsgcodeMemory 'The staging database listens on 5433; the replica on 5434.' -Tag db, staging, infrastructure -Workspace $script:Ws -PassThru)
    $script:Samples['Msgcode.Core.Memory.MemoryHit'] = @(Search-MsgcodeMemory staging -Workspace $script:Ws)
    $script:Samples['Msgcode.Core.Runners.RunnerOutput'] = @(Invoke-MsgcodeRunner shell 'echo hello from the shell runner' -Workspace $script:Ws)
    $script:Samples['Msgcode.Core.Runners.RunnerInfo'] = @(Get-MsgcodeRunner)
    $script:Samples['Msgcode.Core.Channels.ChatRoute'] = @(Set-MsgcodeRoute $script:Chat $script:Ws -Label 'team chat' -Runner shell -PassThru)
    $script:Samples['Msgcode.Core.Channels.EffectiveState'] = @(Get-MsgcodeEffectiveConfig -Chat $script:Chat)
    $script:Samples['Msgcode.Core.Channels.StateFact'] = @($script:Samples['Msgcode.Core.Channels.EffectiveState'][0].Routes)
    $script:Samples['Msgcode.Core.Config.ConfigEntry'] = @(Get-MsgcodeEffectiveConfig -Workspace $script:Ws)
    $script:Samples['Msgcode.Core.Config.ConfigLayerValue'] = @(Get-MsgcodeEffectiveConfig log.level, worktree.verify -Workspace $script:Ws -Explain)
    $script:Samples['Msgcode.Core.Doctor.DoctorCheck'] = @(Test-MsgcodeDoctor -Detailed -Workspace $script:Ws)
    $script:Samples['Msgcode.Core.Doctor.MsgcodeVersionInfo'] = @(Get-MsgcodeVersion)
    $script:Samples['Msgcode.Core.Service.ServiceInfo'] = @(Get-MsgcodeService)
    # Installing a service for real needs a user's systemd; the change record it returns is made here as the cmdlet makes it.
    $change = (Get-Command Install-MsgcodeService).OutputType[0].Type::new()
    $change.Manager = 'systemd'; $change.Action = 'installed'; $change.UnitPath = Join-Path $script:ConfigHome 'systemd' 'user' 'msgcode.service'
    $change.Commands = 'systemctl --user daemon-reload', 'systemctl --user enable --now msgcode.service'
    $script:Samples['Msgcode.Core.Service.ServiceChange'] = @($change)

    # The real daemon: a job fired now, its run, the daemon's status while it runs, its log, and the stop.
    $script:Job = New-MsgcodeJob -Name 'nightly commit summary for the whole team' -Cron '0 9 * * 1-5' -TimeZone 'America/Argentina/Buenos_Aires' `
        -Workspace $script:Ws -Runner shell -Title 'Summarise' -Prompt 'exit 4'
    $script:DisabledJob = New-MsgcodeJob -Name 'paused' -Cron '0 2 * * *' -TimeZone UTC -Workspace $script:Ws -Runner shell -Title 'paused' -Disabled
    $null = Start-MsgcodeDaemon
    try {
        Start-MsgcodeJob $script:Job.Id
        $null = Wait-Until { Get-MsgcodeJobRun | Where-Object Status -In 'failed', 'succeeded' } -TimeoutSec 60
        $script:Samples['Msgcode.Core.Jobs.JobRunInfo'] = @(Get-MsgcodeJobRun)
        $script:Samples['Msgcode.Core.Jobs.JobInfo'] = @(Get-MsgcodeJob)
        $script:Samples['Msgcode.Core.Daemon.DaemonInfo'] = @(Get-MsgcodeDaemon)
        $script:Samples['Msgcode.Core.Logging.LogEntry'] = @(Get-MsgcodeLog -Tail 20)
    }
    finally {
        $script:Samples['Msgcode.Core.Daemon.DaemonStopResult'] = @(Stop-MsgcodeDaemon -TimeoutSec 20 -PassThru)
    }

    # A worktree whose task file was deleted by hand: Clear-MsgcodeWorktree -WhatIf has an orphan it would remove.
    $orphan = New-MsgcodeTask -Title 'orphan' -Prompt 'echo o > o.txt' -Runner shell -Workspace $script:Ws
    $null = $orphan | Invoke-MsgcodeTask -Worktree
    Remove-Item (Join-Path $script:Ws 'tasks' "$($orphan.Id).*")

    # What each mutating cmdlet is asked to do under -WhatIf: something it would really do in this home and workspace.
    $ws = $script:Ws
    $script:WhatIfCalls = @{
        'Add-MsgcodeMemory'        = { Add-MsgcodeMemory 'imagined' -Tag x -Workspace $ws -WhatIf }
        'Clear-MsgcodeWorktree'    = { Clear-MsgcodeWorktree -Workspace $ws -WhatIf }
        'Close-MsgcodeTask'        = { Close-MsgcodeTask $script:Open.Id -Workspace $ws -Reason 'no longer needed' -WhatIf }
        'Disable-MsgcodeJob'       = { Disable-MsgcodeJob $script:Job.Id -WhatIf }
        'Enable-MsgcodeJob'        = { Enable-MsgcodeJob $script:DisabledJob.Id -WhatIf }
        'Install-MsgcodeService'   = { Install-MsgcodeService -WhatIf }
        'Invoke-MsgcodeRunner'     = { Invoke-MsgcodeRunner shell 'echo imagined > imagined.txt' -Workspace $ws -WhatIf }
        'Invoke-MsgcodeTask'       = { Invoke-MsgcodeTask $script:Open.Id -Workspace $ws -Worktree -WhatIf }
        'Merge-MsgcodePatch'       = { Merge-MsgcodePatch $script:Unmerged.Id -Workspace $ws -Commit -WhatIf }
        'New-MsgcodeJob'           = { New-MsgcodeJob -Name imagined -Cron '0 9 * * *' -TimeZone UTC -Workspace $ws -Title t -Runner shell -WhatIf }
        'New-MsgcodeTask'          = { New-MsgcodeTask -Title imagined -Prompt 'echo' -Runner shell -Workspace $ws -WhatIf }
        'Remove-MsgcodeJob'        = { Remove-MsgcodeJob $script:Job.Id -WhatIf }
        'Remove-MsgcodeRoute'      = { Remove-MsgcodeRoute $script:Chat -WhatIf }
        'Remove-MsgcodeTask'       = { Remove-MsgcodeTask $script:Open.Id -Workspace $ws -WhatIf }
        'Remove-MsgcodeWorktree'   = { Remove-MsgcodeWorktree $script:Unmerged.Id -Workspace $ws -Force -WhatIf }
        'Reset-MsgcodeConfig'      = { Reset-MsgcodeConfig log.level -WhatIf }
        'Restart-MsgcodeDaemon'    = { Restart-MsgcodeDaemon -WhatIf }
        'Set-MsgcodeConfig'        = { Set-MsgcodeConfig log.level warn -WhatIf; Set-MsgcodeConfig worktree.verify 'false' -Workspace $ws -WhatIf }
        'Set-MsgcodeJob'           = { Set-MsgcodeJob $script:Job.Id -Title 'renamed' -Every '00:10:00' -WhatIf }
        'Set-MsgcodeRoute'         = { Set-MsgcodeRoute $script:Chat -Status paused -WhatIf }
        'Set-MsgcodeTask'          = { Set-MsgcodeTask $script:Open.Id -Title 'renamed' -Notes 'n' -Workspace $ws -WhatIf }
        'Start-MsgcodeDaemon'      = { Start-MsgcodeDaemon -WhatIf }
        'Start-MsgcodeJob'         = { Start-MsgcodeJob $script:Job.Id -WhatIf }
        'Stop-MsgcodeDaemon'       = { Stop-MsgcodeDaemon -WhatIf }
        'Undo-MsgcodePatch'        = { Undo-MsgcodePatch $script:Merged.Id -Workspace $ws -WhatIf }
        'Uninstall-MsgcodeService' = { Uninstall-MsgcodeService -WhatIf }
    }
}

AfterAll {
    Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    Restore-MsgcodeEnvironment $script:SavedEnvironment
    foreach ($name in $script:SavedGit.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedGit[$name]) }
}

Describe 'Objects made for PowerShell: <TypeName>' -ForEach $script:EmittedTypes -Skip:(-not $script:CanRun) {
    BeforeAll {
        $script:Objects = $script:Samples[$TypeName]
    }

    It 'has a realistic instance made by the cmdlets' {
        @($script:Objects).Count | Should -BeGreaterThan 0 -Because "every type a cmdlet emits needs a sample in Conventions.Tests.ps1"
        @($script:Objects)[0].GetType().FullName | Should -Be $TypeName
    }

    It 'shows its default view at 120 columns with every column header whole and every id, status and error code uncut' {
        $table = Get-TableView $TypeName
        $text = $script:Objects | Out-String -Width 120
        if (-not $table) {
            # A list view: every label is there, one per line (not the default table of all properties).
            $list = Get-ListView $TypeName
            $list | Should -Not -BeNullOrEmpty -Because "$TypeName needs a table or list view"
            foreach ($item in $list.Control.Entries[0].Items) {
                $label = if ($item.Label) { $item.Label } else { $item.DisplayEntry.Value }
                $text | Should -Match "(?m)^$([regex]::Escape($label))\s*:" -Because "the list view of $TypeName shows $label"
            }
            return
        }

        $labels = @(for ($i = 0; $i -lt $table.Control.Headers.Count; $i++) {
                $header = $table.Control.Headers[$i]
                if ($header.Label) { $header.Label } else { $table.Control.Rows[0].Columns[$i].DisplayEntry.Value }
            })
        $text = $script:Objects | Format-Table | Out-String -Width 120
        $lines = $text -split "`r?`n"
        $rule = [Array]::FindIndex($lines, [Predicate[string]] { param($l) $l -match '^\s*-+( +-+)*\s*$' })
        $rule | Should -BeGreaterThan 0 -Because "a table has a header line underlined with dashes:`n$text"
        $columns = [regex]::Matches($lines[$rule], '-+')
        $headers = @($columns | ForEach-Object { $lines[$rule - 1].PadRight(120).Substring($_.Index, $_.Length).Trim() })
        $headers | Should -Be $labels -Because "every column of the view is shown, its header whole:`n$text"
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 }
        # Free text (titles, paths, schedules) may be cut at the edge; what names or classifies a row may not.
        $identifying = 'Id', 'TaskId', 'RunId', 'JobId', 'ChatGuid', 'Status', 'LastStatus', 'ErrorCode', 'ErrorId', 'State', 'Outcome', 'Action', 'Kind', 'Trigger', 'Layer', 'Category'
        foreach ($object in $script:Objects) {
            foreach ($name in $identifying | Where-Object { $_ -in $labels }) {
                $value = $object.$name
                if ($value -is [string] -and $value) { $text | Should -Match ([regex]::Escape($value)) -Because "the $name column shows '$value' whole:`n$text" }
            }
        }
    }

    It 'converts to JSON that reads well: ISO dates, durations in seconds, no structs or internal objects' {
        foreach ($object in $script:Objects) {
            $json = ConvertTo-Json -InputObject $object -Depth 3 -WarningAction SilentlyContinue
            $problems = @(Get-JsonProblems $json)
            $problems | Should -BeNullOrEmpty -Because "ConvertTo-Json of $TypeName gave:`n$json"
        }
    }
}

Describe 'Every mutating cmdlet honours -WhatIf' -Skip:(-not $script:CanRun) {
    It '<Name> -WhatIf changes nothing under the home, the workspace or the service folder' -ForEach $script:MutatingCommands {
        $script:WhatIfCalls.ContainsKey($Name) | Should -BeTrue -Because "every cmdlet that supports ShouldProcess needs a -WhatIf call in Conventions.Tests.ps1"
        $trees = @($script:TestHome, $script:Ws, $script:ConfigHome)
        # Reading refreshes caches (the task index) as any read does; only then is the state taken.
        $null = Get-MsgcodeTask -Workspace $script:Ws; $null = Get-MsgcodeWorktree -Workspace $script:Ws
        $before = Get-TreeHash $trees
        $null = & $script:WhatIfCalls[$Name] 6>&1 2>&1
        Get-TreeHash $trees | Should -Be $before
    }
}

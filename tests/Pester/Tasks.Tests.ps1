#Requires -Version 7.4
# Tasks: the store, the cmdlets, their pipelines, status model, hand edits, bad input, concurrency, crashes.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment


    function Get-TreeHash([string] $Path) {
        Get-ChildItem -Path $Path -Recurse -File -Force | Where-Object Name -NotLike '*.lock' | Sort-Object FullName |
            ForEach-Object { "$($_.FullName)=$((Get-FileHash $_.FullName).Hash)" }
    }

}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'New-MsgcodeTask and Get-MsgcodeTask' {
    BeforeEach {
        $null = New-TestHome
        $script:Ws = New-TestWorkspace
    }

    It 'creates the task object and its readable pair of files' {
        $files = Join-Path $TestDrive ('files-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $files | Out-Null
        Set-Content (Join-Path $files 'a.txt') 'a'; Set-Content (Join-Path $files 'b.txt') 'b'
        Push-Location $files
        try { $task = New-MsgcodeTask -Title 'Summarise the log' -Prompt "line one`nline two" -Runner pwsh -Model small -File a.txt, b.txt -Workspace $script:Ws }
        finally { Pop-Location }
        $task.Id | Should -Match '^tsk_[0-9a-hjkmnp-tv-z]{26}$'
        $task.Status | Should -Be 'open'
        $task.Runner | Should -Be 'pwsh'
        $json = Get-Content -Raw (Join-Path $script:Ws 'tasks' "$($task.Id).json") | ConvertFrom-Json
        $json.id | Should -Be $task.Id
        $json.title | Should -Be 'Summarise the log'
        $json.status | Should -Be 'open'
        $json.createdAtMs | Should -BeGreaterThan 0
        $json.updatedAtMs | Should -Be $json.createdAtMs
        $json.workspace.path | Should -Be $script:Ws
        $json.runner.kind | Should -Be 'pwsh'
        $json.runner.model | Should -Be 'small'
        $json.inputs.prompt | Should -Be "line one`nline two"
        $json.inputs.files | Should -Be @("tasks/inputs/$($task.Id)/a.txt", "tasks/inputs/$($task.Id)/b.txt")   # copies, relative to the workspace
        $json.outputs.artifacts.Count | Should -Be 0
        $json.notes.lastSummary | Should -Be ''
        Get-Content -Raw (Join-Path $script:Ws 'tasks' "$($task.Id).md") | Should -Be "# Summarise the log`n`nline one`nline two`n"
    }

    It 'uses runner.default of the workspace when no runner is given' {
        Set-MsgcodeConfig -Name runner.default -Value pwsh -Workspace $script:Ws
        (New-MsgcodeTask -Title 't' -Workspace $script:Ws).Runner | Should -Be 'pwsh'
    }

    It 'creates nothing on -WhatIf or on a read' {
        New-MsgcodeTask -Title 'x' -Workspace $script:Ws -WhatIf
        Get-MsgcodeTask -Workspace $script:Ws | Should -BeNullOrEmpty
        Test-Path (Join-Path $script:Ws 'tasks') | Should -BeFalse
    }

    It 'takes a CSV or a JSON list through the pipeline, and the current folder as workspace' {
        $csv = Join-Path $TestDrive 'tasks.csv'
        "Title,Prompt,Runner`nFirst,echo 1,pwsh`nSecond,echo 2,pwsh" | Set-Content $csv
        Push-Location $script:Ws
        try {
            $created = Import-Csv $csv | New-MsgcodeTask
            $created.Title | Should -Be @('First', 'Second')
            $fromJson = '[{"Title":"Third","Prompt":"p3"},{"Title":"Fourth","Prompt":"p4","Runner":"pwsh"}]' | ConvertFrom-Json | New-MsgcodeTask
            $fromJson.Count | Should -Be 2
            (Get-MsgcodeTask).Title | Should -Be @('First', 'Second', 'Third', 'Fourth') -Because 'listing is sorted by creation'
        }
        finally { Pop-Location }
    }

    It 'filters by status, title wildcard and runner, and resolves ids and unique prefixes' {
        $a = New-MsgcodeTask -Title 'alpha one' -Runner pwsh -Workspace $script:Ws
        $b = New-MsgcodeTask -Title 'beta two' -Runner shell -Workspace $script:Ws
        $null = Set-MsgcodeTask -Id $b.Id -Status blocked -Workspace $script:Ws
        (Get-MsgcodeTask -Workspace $script:Ws -Status blocked).Id | Should -Be $b.Id
        (Get-MsgcodeTask -Workspace $script:Ws -Title 'ALPHA*').Id | Should -Be $a.Id
        (Get-MsgcodeTask -Workspace $script:Ws -Runner shell).Id | Should -Be $b.Id
        (Get-MsgcodeTask -Id $a.Id -Workspace $script:Ws).Prompt | Should -Be ''
        # The ids share their time prefix; the random tail tells them apart.
        $short = $a.Id.Substring(4, 22)
        (Get-MsgcodeTask -Id $short -Workspace $script:Ws).Id | Should -Be $a.Id
        (Get-MsgcodeTask -Id $a.Id.ToUpperInvariant() -Workspace $script:Ws).Id | Should -Be $a.Id
        $a.Id, $b.Id | Get-MsgcodeTask -Workspace $script:Ws | Should -HaveCount 2
    }

    It 'says which tasks an ambiguous prefix matches, and reports unknown and hostile ids' {
        $made = 1..3 | ForEach-Object { New-MsgcodeTask -Title "t$_" -Workspace $script:Ws }
        $null = Get-MsgcodeTask -Id $made[0].Id.Substring(0, 8) -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskIdAmbiguous,*'
        $e[0].Exception.Message | Should -Match 'matches 3 tasks: tsk_'
        $null = Get-MsgcodeTask -Id 'tsk_zzzzzzzzzzzzzzzzzzzzzzzzzz' -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskNotFound,*'
        foreach ($hostile in '../../etc/passwd', 'tsk_01/../x', 'a\b', '.', 'tsk_01m8 x', ('tsk_' + 'a' * 40)) {
            $null = Get-MsgcodeTask -Id $hostile -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskIdInvalid,*' -Because "'$hostile' must never become a path"
        }
    }

    It 'completes task ids with Tab' {
        $task = New-MsgcodeTask -Title 'complete me' -Workspace $script:Ws
        $line = "Invoke-MsgcodeTask -Workspace '$script:Ws' -Id tsk_"
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Contain $task.Id
        $line = 'New-MsgcodeTask -Title x -Runner pw'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'pwsh'
    }
}

Describe 'Status model: Set-MsgcodeTask and Close-MsgcodeTask' {
    BeforeEach {
        $null = New-TestHome
        $script:Ws = New-TestWorkspace
        $script:Task = New-MsgcodeTask -Title 'model' -Workspace $script:Ws
    }

    It 'allows open -> blocked -> open -> done, and reopens done only with -Force' {
        (Set-MsgcodeTask -Id $script:Task.Id -Status blocked -Workspace $script:Ws -PassThru).Status | Should -Be 'blocked'
        (Set-MsgcodeTask -Id $script:Task.Id -Status open -Workspace $script:Ws -PassThru).Status | Should -Be 'open'
        ($script:Task | Close-MsgcodeTask -PassThru).Status | Should -Be 'done'
        Set-MsgcodeTask -Id $script:Task.Id -Status open -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskTransitionInvalid,*'
        $e[0].Exception.Message | Should -Match '-Force'
        (Set-MsgcodeTask -Id $script:Task.Id -Status open -Force -Workspace $script:Ws -PassThru).Status | Should -Be 'open'
    }

    It 'closes as canceled with a reason; canceled reopens only with -Force; done cannot become canceled' {
        $closed = Close-MsgcodeTask -Id $script:Task.Id -Status canceled -Reason 'not needed' -Workspace $script:Ws -PassThru
        $closed.Status | Should -Be 'canceled'
        $closed.CloseReason | Should -Be 'not needed'
        Set-MsgcodeTask -Id $script:Task.Id -Status blocked -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskTransitionInvalid,*'
        $other = New-MsgcodeTask -Title 'other' -Workspace $script:Ws | Close-MsgcodeTask -PassThru
        Close-MsgcodeTask -Id $other.Id -Status canceled -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskTransitionInvalid,*'
    }

    It 'refuses status changes of a running task' {
        $path = Join-Path $script:Ws 'tasks' "$($script:Task.Id).json"
        $json = Get-Content -Raw $path | ConvertFrom-Json -AsHashtable
        $json.status = 'running'
        $json | ConvertTo-Json -Depth 5 | Set-Content $path
        Close-MsgcodeTask -Id $script:Task.Id -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskTransitionInvalid,*'
        Set-MsgcodeTask -Id $script:Task.Id -Status done -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskTransitionInvalid,*'
    }

    It 'changes title, prompt, runner, model and notes, keeps .json and .md in step, and honours -WhatIf' {
        $before = Get-TreeHash $script:Ws
        Set-MsgcodeTask -Id $script:Task.Id -Title 'new' -WhatIf -Workspace $script:Ws
        Get-TreeHash $script:Ws | Should -Be $before
        $task = $script:Task | Set-MsgcodeTask -Title 'renamed' -Prompt 'Get-Date' -Runner pwsh -Model m2 -Notes 'n' -PassThru
        $task.Title | Should -Be 'renamed'
        $task.Prompt | Should -Be 'Get-Date'
        $task.Model | Should -Be 'm2'
        $task.Notes | Should -Be 'n'
        $task.UpdatedAt | Should -BeGreaterThan $script:Task.UpdatedAt
        Get-Content -Raw (Join-Path $script:Ws 'tasks' "$($task.Id).md") | Should -Be "# renamed`n`nGet-Date`n"
        Set-MsgcodeTask -Id $task.Id -Title '' -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskFieldInvalid,*'
    }
}

Describe 'Hand edits and bad input' {
    BeforeEach {
        $null = New-TestHome
        $script:Ws = New-TestWorkspace
        $script:Tasks = 1..3 | ForEach-Object { New-MsgcodeTask -Title "task $_" -Prompt "prompt $_" -Workspace $script:Ws }
        $script:Dir = Join-Path $script:Ws 'tasks'
        $null = Get-MsgcodeTask -Workspace $script:Ws   # index written
        Start-Sleep -Milliseconds 20
    }

    It 'picks up a hand edit of the .md (prompt and title) and of the .json' {
        $id = $script:Tasks[0].Id
        Set-Content (Join-Path $script:Dir "$id.md") "# Edited title`n`nedited prompt`nsecond line" -NoNewline
        $task = Get-MsgcodeTask -Id $id -Workspace $script:Ws
        $task.Prompt | Should -Be "edited prompt`nsecond line"
        $task.Title | Should -Be 'Edited title'
        (Get-MsgcodeTask -Workspace $script:Ws | Where-Object Id -EQ $id).Title | Should -Be 'Edited title'

        Start-Sleep -Milliseconds 20
        $path = Join-Path $script:Dir "$($script:Tasks[1].Id).json"
        (Get-Content -Raw $path) -replace '"task 2"', '"hand-edited json"' | Set-Content $path
        (Get-MsgcodeTask -Workspace $script:Ws).Title | Should -Contain 'hand-edited json'

        # A later change through the cmdlets keeps the hand edit.
        $changed = Set-MsgcodeTask -Id $id -Notes 'kept' -Workspace $script:Ws -PassThru
        $changed.Prompt | Should -Be "edited prompt`nsecond line"
        (Get-Content -Raw (Join-Path $script:Dir "$id.json") | ConvertFrom-Json).inputs.prompt | Should -Be "edited prompt`nsecond line"
    }

    It 'reports a broken .md and uses the .json' {
        $id = $script:Tasks[0].Id
        Set-Content (Join-Path $script:Dir "$id.md") 'no title line here'
        $task = Get-MsgcodeTask -Id $id -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $task.Prompt | Should -Be 'prompt 1'
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskFileCorrupt,*'
        $e[0].TargetObject | Should -Be (Join-Path $script:Dir "$id.md")
    }

    It 'lists every healthy task and reports each corrupt file, rewriting none of them' {
        $broken = @{
            $script:Tasks[0].Id = '{ "id": "not closed'
            $script:Tasks[1].Id = '{"id":"ID","title":5,"status":"open","createdAtMs":1,"updatedAtMs":1,"runner":{"kind":"pwsh"},"inputs":{"prompt":""}}'
        }
        $broken[$script:Tasks[1].Id] = $broken[$script:Tasks[1].Id].Replace('ID', $script:Tasks[1].Id)
        foreach ($id in $broken.Keys) { Set-Content (Join-Path $script:Dir "$id.json") $broken[$id] -NoNewline }
        $extra = New-MsgcodeTask -Title 'status' -Workspace $script:Ws
        (Get-Content -Raw (Join-Path $script:Dir "$($extra.Id).json")) -replace '"open"', '"paused"' | Set-Content (Join-Path $script:Dir "$($extra.Id).json") -NoNewline
        $mismatch = New-MsgcodeTask -Title 'mismatch' -Workspace $script:Ws
        (Get-Content -Raw (Join-Path $script:Dir "$($mismatch.Id).json")) -replace $mismatch.Id, $script:Tasks[2].Id | Set-Content (Join-Path $script:Dir "$($mismatch.Id).json") -NoNewline
        $before = Get-TreeHash $script:Dir | Where-Object { $_ -notlike '*index.json=*' }

        $listed = Get-MsgcodeTask -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $listed.Id | Should -Be @($script:Tasks[2].Id)
        $e.Count | Should -Be 4
        $e | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'TaskFileCorrupt,*' }
        ($e.Exception.Message -join "`n") | Should -Match 'not valid JSON'
        ($e.Exception.Message -join "`n") | Should -Match "'title' must be a string"
        ($e.Exception.Message -join "`n") | Should -Match "status 'paused'"
        ($e.Exception.Message -join "`n") | Should -Match 'does not match its file name'
        Set-MsgcodeTask -Id $script:Tasks[0].Id -Notes x -Workspace $script:Ws -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'TaskFileCorrupt,*'
        Get-TreeHash $script:Dir | Where-Object { $_ -notlike '*index.json=*' } | Should -Be $before -Because 'no repair ever overwrites a task file'
    }

    It 'rebuilds a missing or corrupt index, and reads a fresh one without opening task files' {
        Set-Content (Join-Path $script:Dir 'index.json') '{ corrupt'
        (Get-MsgcodeTask -Workspace $script:Ws).Count | Should -Be 3
        (Get-Content -Raw (Join-Path $script:Dir 'index.json') | ConvertFrom-Json).tasks.Count | Should -Be 3
        Remove-Item (Join-Path $script:Dir 'index.json')
        (Get-MsgcodeTask -Workspace $script:Ws).Count | Should -Be 3
        # With a fresh index, listing does not read the task files: an unreadable one still lists from the cache.
        $path = Join-Path $script:Dir "$($script:Tasks[0].Id).json"
        $stamp = (Get-Item $path).LastWriteTimeUtc
        [IO.File]::WriteAllText($path, (Get-Content -Raw $path).Replace('"task 1"', '"task X"'))  # same size
        (Get-Item $path).LastWriteTimeUtc = $stamp
        (Get-MsgcodeTask -Workspace $script:Ws).Title | Should -Contain 'task 1'
    }

    It 'rejects an empty title, a missing workspace and a workspace where tasks cannot be written' {
        New-MsgcodeTask -Title '   ' -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskFieldInvalid,*'
        New-MsgcodeTask -Title "two`nlines" -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskFieldInvalid,*'
        New-MsgcodeTask -Title 'x' -Runner 'Bad Runner' -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskFieldInvalid,*'
        New-MsgcodeTask -Title 'x' -Workspace (Join-Path $TestDrive 'missing') -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorkspaceNotFound,*'
        Get-MsgcodeTask -Workspace (Join-Path $TestDrive 'missing') -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorkspaceNotFound,*'
        $readOnly = New-TestWorkspace
        Set-Content (Join-Path $readOnly 'tasks') 'a file where the folder should be'
        New-MsgcodeTask -Title 'x' -Workspace $readOnly -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'WorkspaceNotWritable,*'
    }

    It 'lists a read-only workspace whose index is stale from its task files' -Skip:(-not $IsLinux) {
        if ((& id -u) -ne '0') { Set-ItResult -Skipped -Because 'remounting a folder read-only needs root'; return }
        $ws = Join-Path $TestDrive ('ro-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $ws | Out-Null
        & mount -t tmpfs -o size=4m tmpfs $ws
        try {
            $one = New-MsgcodeTask -Title 'one' -Prompt 'p' -Runner pwsh -Workspace $ws
            $two = New-MsgcodeTask -Title 'two' -Prompt 'p' -Runner pwsh -Workspace $ws
            Remove-Item (Join-Path $ws 'tasks' 'index.json') -ErrorAction SilentlyContinue   # missing or stale: it must be rebuilt, and cannot be written
            & mount -o remount,ro $ws
            $listed = Get-MsgcodeTask -Workspace $ws -ErrorVariable e -ErrorAction SilentlyContinue
            $listed.Id | Should -Be @($one.Id, $two.Id)
            @($e | Where-Object { $_.FullyQualifiedErrorId -like 'FileWriteFailed,*' }).Count | Should -BeLessOrEqual 1
        }
        finally { & umount $ws }
    }

    It 'keeps a prompt of several MB whole' {
        $prompt = 'x' * (5MB)
        $task = New-MsgcodeTask -Title 'big' -Prompt $prompt -Workspace $script:Ws
        (Get-MsgcodeTask -Id $task.Id -Workspace $script:Ws).Prompt.Length | Should -Be (5MB)
    }
}

Describe 'Invoke-MsgcodeTask and the run ledger' {
    BeforeEach {
        $null = New-TestHome
        $script:Ws = New-TestWorkspace
        $script:Ledger = Join-Path $script:Ws 'tasks' 'runs.jsonl'
    }

    It 'runs a pwsh task in the workspace, records started and finished, and keeps the output as an artifact' {
        $marker = 'SECRET-PROMPT-' + [guid]::NewGuid()
        $task = New-MsgcodeTask -Title 'hello' -Prompt "# $marker`n'OUT-' + ('y' * 500); (Get-Location).Path" -Runner pwsh -Workspace $script:Ws
        $run = $task | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded'
        $run.RunId | Should -Match '^run_'
        $run.Preview.Length | Should -BeLessOrEqual 200
        $after = Get-MsgcodeTask -Id $task.Id -Workspace $script:Ws
        $after.Status | Should -Be 'done'
        $after.Artifacts.Count | Should -Be 1
        $output = Get-Content -Raw (Join-Path $script:Ws $after.Artifacts[0])
        $output | Should -Match ('OUT-' + 'y' * 500)
        $output | Should -Match ([regex]::Escape($script:Ws))
        $records = Get-Content $script:Ledger | ConvertFrom-Json
        $records.event | Should -Be @('started', 'finished')
        $records[0].promptLen | Should -BeGreaterThan 0
        $records[0].promptSha | Should -Match '^[0-9a-f]{12}$'
        $records[1].durationMs | Should -BeGreaterThan 0
        Get-Content -Raw $script:Ledger | Should -Not -Match $marker -Because 'prompts never go into the ledger'
        Get-Content -Raw $script:Ledger | Should -Not -Match ('y' * 300) -Because 'outputs go to artifacts, not the ledger'
        $listed = Get-MsgcodeTaskRun -Workspace $script:Ws
        $listed.RunId | Should -Be $run.RunId
        $listed.Status | Should -Be 'succeeded'
        ($task | Get-MsgcodeTaskRun).RunId | Should -Be $run.RunId
    }

    It 'marks a failing run blocked with RunnerFailed, and lists runs newest first' {
        $ok = New-MsgcodeTask -Title 'ok' -Prompt '1' -Runner pwsh -Workspace $script:Ws
        $bad = New-MsgcodeTask -Title 'bad' -Prompt 'Write-Error "boom"; exit 3' -Runner pwsh -Workspace $script:Ws
        $null = Invoke-MsgcodeTask -Id $ok.Id -Workspace $script:Ws
        $run = Invoke-MsgcodeTask -Id $bad.Id -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $run.Status | Should -Be 'failed'
        $run.ErrorCode | Should -Be 'RunnerFailed'
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerFailed,*'
        (Get-MsgcodeTask -Id $bad.Id -Workspace $script:Ws).Status | Should -Be 'blocked'
        (Get-MsgcodeTaskRun -Workspace $script:Ws).TaskId | Should -Be @($bad.Id, $ok.Id)
        (Get-MsgcodeTaskRun -Workspace $script:Ws -Last 1).TaskId | Should -Be $bad.Id
        # blocked -> running is allowed: run it again after fixing the prompt
        $null = Set-MsgcodeTask -Id $bad.Id -Prompt '2' -Workspace $script:Ws
        (Invoke-MsgcodeTask -Id $bad.Id -Workspace $script:Ws).Status | Should -Be 'succeeded'
    }

    It 'refuses to rerun a done task without -Force, and a task whose runner is unknown' {
        $task = New-MsgcodeTask -Title 't' -Prompt '1' -Runner pwsh -Workspace $script:Ws
        $null = Invoke-MsgcodeTask -Id $task.Id -Workspace $script:Ws
        Invoke-MsgcodeTask -Id $task.Id -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskTransitionInvalid,*'
        (Invoke-MsgcodeTask -Id $task.Id -Workspace $script:Ws -Force).Status | Should -Be 'succeeded'
        $other = New-MsgcodeTask -Title 'other' -Runner nosuchrunner -Force -Workspace $script:Ws   # a runner to be installed later
        Invoke-MsgcodeTask -Id $other.Id -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerNotFound,*'
        (Get-MsgcodeTask -Id $other.Id -Workspace $script:Ws).Status | Should -Be 'open'
    }

    It 'stops a run on Ctrl+C within 2 s, killing its process tree, and records it canceled' -Skip:($IsWindows) {
        $pidFile = Join-Path $TestDrive "grandchild-$([guid]::NewGuid()).pid"
        $task = New-MsgcodeTask -Title 'slow' -Runner pwsh -Workspace $script:Ws -Prompt @"
`$p = Start-Process -FilePath sleep -ArgumentList 300 -PassThru
Set-Content '$pidFile' `$p.Id
Start-Sleep -Seconds 300
"@
        $ps = [PowerShell]::Create()
        $null = $ps.AddScript("`$env:MSGCODE_HOME = '$env:MSGCODE_HOME'; Import-Module '$(Get-TestModulePath)'; Invoke-MsgcodeTask -Id $($task.Id) -Workspace '$script:Ws'")
        $handle = $ps.BeginInvoke()
        Wait-Until { Test-Path $pidFile } -TimeoutSec 20 | Should -BeTrue
        $grandchild = [int](Get-Content $pidFile)
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $sw.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 2
        Wait-Until { Test-ProcessGone $grandchild } -TimeoutSec 2 | Should -BeTrue -Because 'the grandchild is killed with the tree'
        $ps.Dispose()
        $records = Get-Content $script:Ledger | ConvertFrom-Json
        $records.event | Should -Be @('started', 'canceled')
        $records[1].errorCode | Should -Be 'RunCanceled'
        (Get-MsgcodeTask -Id $task.Id -Workspace $script:Ws).Status | Should -Be 'open'
        (Get-MsgcodeTaskRun -Workspace $script:Ws).Status | Should -Be 'canceled'
    }

    It 'refuses a task that a live process is running, and recovers one whose process died' {
        $task = New-MsgcodeTask -Title 'busy' -Prompt '1' -Runner pwsh -Workspace $script:Ws
        $path = Join-Path $script:Ws 'tasks' "$($task.Id).json"
        function Set-Running([int] $ProcessId, [string] $RunId) {
            $json = Get-Content -Raw $path | ConvertFrom-Json -AsHashtable
            $json.status = 'running'
            $proc = Get-Process -Id $ProcessId -ErrorAction SilentlyContinue
            $ticks = if ($IsLinux -and $proc) { [long](((Get-Content "/proc/$ProcessId/stat") -replace '^.*\) ', '' -split ' ')[19]) } else { $null }
            $json.currentRun = @{ runId = $RunId; pid = $ProcessId; startTicks = $ticks; startTimeUtc = $(if ($proc) { $proc.StartTime.ToUniversalTime().ToString('o') }); startedAtMs = 1 }
            $json | ConvertTo-Json -Depth 5 | Set-Content $path
        }
        Set-Running $PID 'run_live'
        Invoke-MsgcodeTask -Id $task.Id -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskAlreadyRunning,*'

        $dead = Start-Process -FilePath (Get-Command true).Source -PassThru
        $dead.WaitForExit()
        Set-Running $dead.Id 'run_dead'
        (Invoke-MsgcodeTask -Id $task.Id -Workspace $script:Ws).Status | Should -Be 'succeeded'
        $records = Get-Content $script:Ledger | ConvertFrom-Json
        $records[0].runId | Should -Be 'run_dead'
        $records[0].event | Should -Be 'interrupted'
        $records[0].errorCode | Should -Be 'RunInterrupted'
        $records.event[1..2] | Should -Be @('started', 'finished')
    }

    It '-Continue needs a session of the task''s runner, and a runner that has sessions' {
        $task = New-MsgcodeTask -Title 'no session' -Prompt '"hi"' -Runner pwsh -Workspace $script:Ws
        # pwsh keeps no sessions: refused before anything runs.
        Invoke-MsgcodeTask $task.Id -Workspace $script:Ws -Continue -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerSessionUnsupported,*'
        Test-Path $script:Ledger | Should -BeFalse
        # A runner with sessions (lmstudio), on a task that has none yet.
        Set-MsgcodeTask $task.Id -Workspace $script:Ws -Runner lmstudio
        Invoke-MsgcodeTask $task.Id -Workspace $script:Ws -Continue -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskSessionNotFound,*'
        $e[0].Exception.Message | Should -Match 'without -Continue'
        (Get-MsgcodeTask $task.Id -Workspace $script:Ws).Status | Should -Be 'open'
        # -Continue with -Fresh, and -Continue with -Queue, are refused as they are.
        Invoke-MsgcodeTask $task.Id -Workspace $script:Ws -Continue -Worktree -Fresh -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskFieldInvalid,*'
        Invoke-MsgcodeTask $task.Id -Workspace $script:Ws -Continue -Queue -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskFieldInvalid,*'
    }

    It 'kills a run at its timeout' {
        $task = New-MsgcodeTask -Title 'hang' -Prompt 'Start-Sleep 60' -Runner pwsh -Workspace $script:Ws
        $run = Invoke-MsgcodeTask -Id $task.Id -Workspace $script:Ws -TimeoutSec 2 -ErrorAction SilentlyContinue -ErrorVariable e
        $run.Status | Should -Be 'timedOut'
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerTimedOut,*'
        $run.DurationSeconds | Should -BeLessThan 10
    }

    It 'reads past a torn last line and reports a malformed one' {
        $task = New-MsgcodeTask -Title 't' -Prompt '1' -Runner pwsh -Workspace $script:Ws
        $null = Invoke-MsgcodeTask -Id $task.Id -Workspace $script:Ws
        Add-Content -Path $script:Ledger -Value '{"runId":"run_torn","event":"start' -NoNewline
        (Get-MsgcodeTaskRun -Workspace $script:Ws).Count | Should -Be 1
        $null = Invoke-MsgcodeTask -Id $task.Id -Workspace $script:Ws -Force
        # Fenced off by the next append, the torn record is a warning, not an error: reads go on working, -ErrorAction Stop too.
        $runs = Get-MsgcodeTaskRun -Workspace $script:Ws -ErrorAction Stop -WarningVariable w -WarningAction SilentlyContinue
        $runs.Count | Should -Be 2
        $w[0] | Should -Match 'JsonlLineTorn'
        (Get-Content $script:Ledger)[2] | Should -Be '{"runId":"run_torn","event":"start' -Because 'the torn fragment is fenced off, not glued to the next record'
        # A line that is complete and still not JSON was written wrong or edited by hand: that stays an error.
        Add-Content -Path $script:Ledger -Value '{"runId": nonsense}'
        $null = Get-MsgcodeTaskRun -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'JsonlLineMalformed,*'
    }
}

Describe 'Many processes, and a killed one' -Skip:($IsWindows) {
    BeforeEach {
        $null = New-TestHome
        $script:Ws = New-TestWorkspace
    }

    It 'creates exactly 2,000 distinct tasks from 4 processes at once, with a consistent index and no temp files' {
        $pwsh = Get-TestPwsh
        $script = "Import-Module '$(Get-TestModulePath)'; 1..500 | ForEach-Object { [pscustomobject]@{ Title = `"p`$env:WORKER-`$_`" } } | New-MsgcodeTask -Workspace '$script:Ws' | Out-Null"
        $processes = 1..4 | ForEach-Object {
            $info = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
            foreach ($a in ($pwsh | Select-Object -Skip 1)) { $info.ArgumentList.Add($a) }
            foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $info.ArgumentList.Add($a) }
            $info.UseShellExecute = $false
            $info.Environment['WORKER'] = "$_"
            [Diagnostics.Process]::Start($info)
        }
        # Read while they write: listings during the storm must never fail.
        while (@($processes | Where-Object { -not $_.HasExited }).Count) { $null = Get-MsgcodeTask -Workspace $script:Ws -ErrorAction Stop; Start-Sleep -Milliseconds 200 }
        $processes | ForEach-Object { $_.ExitCode | Should -Be 0 }
        $tasks = Get-MsgcodeTask -Workspace $script:Ws -ErrorAction Stop
        $tasks.Count | Should -Be 2000
        ($tasks.Id | Sort-Object -Unique).Count | Should -Be 2000
        ($tasks.Title | Sort-Object -Unique).Count | Should -Be 2000
        $index = Get-Content -Raw (Join-Path $script:Ws 'tasks' 'index.json') | ConvertFrom-Json
        ($index.tasks.id | Sort-Object) | Should -Be ($tasks.Id | Sort-Object)
        Get-ChildItem (Join-Path $script:Ws 'tasks') -Force -Filter '*.msgcode-tmp' | Should -BeNullOrEmpty
    }

    It 'keeps every task a SIGKILLed bulk creator reported, and the index repairs itself' {
        $pwsh = Get-TestPwsh
        $reported = Join-Path $TestDrive "reported-$([guid]::NewGuid()).txt"
        $script = "Import-Module '$(Get-TestModulePath)'; 1..100000 | ForEach-Object { `$t = New-MsgcodeTask -Title `"bulk `$_`" -Prompt 'p' -Workspace '$script:Ws'; [IO.File]::AppendAllText('$reported', `$t.Id + [Environment]::NewLine) }"
        $info = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($a in ($pwsh | Select-Object -Skip 1)) { $info.ArgumentList.Add($a) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $info.ArgumentList.Add($a) }
        $info.UseShellExecute = $false
        $process = [Diagnostics.Process]::Start($info)
        Wait-Until { (Test-Path $reported) -and @(Get-Content $reported).Count -ge 150 } -TimeoutSec 30 | Should -BeTrue
        $null = Get-MsgcodeTask -Workspace $script:Ws   # an index exists mid-stream
        & kill -9 $process.Id
        $process.WaitForExit()
        $ids = @(Get-Content $reported | Where-Object { $_ -match '^tsk_' })
        $ids.Count | Should -BeGreaterOrEqual 150
        $listed = Get-MsgcodeTask -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e | Should -BeNullOrEmpty
        foreach ($id in $ids) {
            (Get-MsgcodeTask -Id $id -Workspace $script:Ws -ErrorAction Stop).Title | Should -Match '^bulk \d+$'
        }
        $listed.Id | Should -Contain $ids[-1]
        $index = Get-Content -Raw (Join-Path $script:Ws 'tasks' 'index.json') | ConvertFrom-Json
        ($index.tasks.id | Sort-Object) | Should -Be ($listed.Id | Sort-Object)
    }
}

#Requires -Version 7.4
# Memory: Add-MsgcodeMemory and Search-MsgcodeMemory, the day files they write, pipelines, bad input,
# a lost or corrupt index, and two processes appending to the same day at once.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment

    # The day files of a workspace, oldest first (a test that runs across midnight writes two).
    function Get-DayFiles([string] $Workspace) {
        @(Get-ChildItem (Join-Path $Workspace 'memory') -Filter '????-??-??.md' -File -ErrorAction SilentlyContinue | Sort-Object Name | ForEach-Object FullName)
    }
    function Get-AllNotesText([string] $Workspace) {
        (Get-DayFiles $Workspace | ForEach-Object { Get-Content -Raw $_ }) -join ''
    }
    function Get-TodayFile([string] $Workspace) {
        Get-DayFiles $Workspace | Select-Object -Last 1
    }
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Add-MsgcodeMemory' {
    BeforeEach {
        $null = New-TestHome
        $script:Ws = New-TestWorkspace
    }

    It 'appends a readable note to today''s file and returns it with -PassThru' {
        $entry = Add-MsgcodeMemory 'The staging database listens on 5433.' -Tag db, '#staging' -Workspace $script:Ws -PassThru
        $entry.GetType().FullName | Should -Be 'Msgcode.Core.Memory.MemoryEntry'
        $entry.Text | Should -Be 'The staging database listens on 5433.'
        $entry.Tags | Should -Be @('db', 'staging')
        $entry.File | Should -Be (Get-TodayFile $script:Ws)
        $entry.Date + '.md' | Should -Be (Split-Path $entry.File -Leaf)
        $lines = Get-Content $entry.File
        $lines[0] | Should -Be "# Memory $($entry.Date)"
        $lines[$entry.Line - 1] | Should -Match '^## \d{2}:\d{2}:\d{2} · #db #staging$'
        $lines | Should -Contain 'The staging database listens on 5433.'
    }

    It 'writes nothing without -PassThru, and nothing at all with -WhatIf' {
        Add-MsgcodeMemory 'quiet' -Workspace $script:Ws | Should -BeNullOrEmpty
        Add-MsgcodeMemory 'only imagined' -Workspace $script:Ws -WhatIf
        Get-AllNotesText $script:Ws | Should -Not -Match 'imagined'
    }

    It 'takes notes from the pipeline, as strings and by property name, relative to the current location' {
        'one note', 'two note' | Add-MsgcodeMemory -Workspace $script:Ws
        [pscustomobject]@{ Text = 'three note'; Tags = 'x' } | Add-MsgcodeMemory -Workspace $script:Ws -PassThru |
            ForEach-Object Tags | Should -Be 'x'
        Push-Location $script:Ws
        try { Add-MsgcodeMemory 'four note' } finally { Pop-Location }
        @(Search-MsgcodeMemory note -Workspace $script:Ws).Count | Should -Be 4
    }

    It 'reports bad input with stable ids and carries on with the rest of the pipeline' {
        $results = 'good one', '   ', 'good two' | Add-MsgcodeMemory -Workspace $script:Ws -PassThru -ErrorVariable bad -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 2
        $bad[0].FullyQualifiedErrorId | Should -Be 'MemoryTextEmpty,Msgcode.PowerShell.Commands.AddMsgcodeMemoryCommand'
        { Add-MsgcodeMemory 'x' -Tag 'two words' -Workspace $script:Ws -ErrorAction Stop } |
            Should -Throw -ErrorId 'MemoryTagInvalid,Msgcode.PowerShell.Commands.AddMsgcodeMemoryCommand'
        $missing = Join-Path $TestDrive 'no-such-workspace'
        { Add-MsgcodeMemory 'x' -Workspace $missing -ErrorAction Stop } |
            Should -Throw -ErrorId 'WorkspaceNotFound,Msgcode.PowerShell.Commands.AddMsgcodeMemoryCommand'
        Test-Path $missing | Should -BeFalse
    }

    It 'lets two processes append to the same day at once without losing or mixing notes' {
        $pwsh = Get-TestPwsh
        $script = Join-Path $TestDrive 'append.ps1'
        Set-Content $script @'
param($Module, $Workspace, $Writer)
Import-Module $Module -ErrorAction Stop
1..40 | ForEach-Object { "writer$Writer note$_ concurrent`nsecond line $Writer/$_" } | Add-MsgcodeMemory -Workspace $Workspace -ErrorAction Stop
'@
        $procs = 1..2 | ForEach-Object {
            Start-Process -FilePath $pwsh[0] -PassThru -ArgumentList (@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script, (Get-TestModulePath), $script:Ws, "$_"))
        }
        foreach ($p in $procs) { $p.WaitForExit(120000) | Should -BeTrue; $p.ExitCode | Should -Be 0 }

        $notes = @(Get-DayFiles $script:Ws | ForEach-Object { (Get-Content -Raw $_) -split "`n## " | Select-Object -Skip 1 })
        $notes.Count | Should -Be 80
        foreach ($w in 1, 2) {
            foreach ($i in 1..40) {
                @($notes | Where-Object { $_.Contains("writer$w note$i concurrent`nsecond line $w/$i`n") }).Count | Should -Be 1
            }
        }
        @(Search-MsgcodeMemory concurrent -Top 1000 -Workspace $script:Ws).Count | Should -Be 80
    }
}

Describe 'Search-MsgcodeMemory' {
    BeforeEach {
        $null = New-TestHome
        $script:Ws = New-TestWorkspace
        Add-MsgcodeMemory 'We talked about lunch, the weather, and briefly the deploy.' -Workspace $script:Ws
        Add-MsgcodeMemory 'Deploy checklist: migrate, deploy the web tier, verify the deploy.' -Tag ops -Workspace $script:Ws
        Add-MsgcodeMemory '明天下午和产品经理讨论数据库设计。' -Tag 会议 -Workspace $script:Ws
    }

    It 'returns ranked hits, best first, with date, file, line, heading, snippet and score' {
        $hits = @(Search-MsgcodeMemory deploy -Workspace $script:Ws)
        $hits.Count | Should -Be 2
        $hits[0].GetType().FullName | Should -Be 'Msgcode.Core.Memory.MemoryHit'
        $hits[0].Text | Should -BeLike 'Deploy checklist*'
        $hits[0].Score | Should -BeGreaterThan $hits[1].Score
        $hits[0].Tags | Should -Be 'ops'
        $hits[0].File | Should -BeIn (Get-DayFiles $script:Ws)
        (Get-Content $hits[0].File)[$hits[0].Line - 1] | Should -Be "## $($hits[0].Heading)"
        $hits[0].Snippet | Should -Not -BeNullOrEmpty
        @(Search-MsgcodeMemory deploy -Top 1 -Workspace $script:Ws).Count | Should -Be 1
    }

    It 'matches Chinese substrings and tags' {
        (Search-MsgcodeMemory 数据库 -Workspace $script:Ws).Text | Should -BeLike '*数据库设计*'
        @(Search-MsgcodeMemory 产品经理 -Workspace $script:Ws).Count | Should -Be 1
        @(Search-MsgcodeMemory 'tags:会议' -Workspace $script:Ws).Count | Should -Be 1
    }

    It 'takes queries from the pipeline and filters by -Since' {
        @('deploy', 'weather' | Search-MsgcodeMemory -Workspace $script:Ws).Count | Should -Be 3
        @(Search-MsgcodeMemory deploy -Since (Get-Date).AddDays(1) -Workspace $script:Ws).Count | Should -Be 0
        @(Search-MsgcodeMemory deploy -Since (Get-Date).AddDays(-1) -Workspace $script:Ws).Count | Should -Be 2
    }

    It 'never fails on hostile query syntax' {
        foreach ($query in '(', '"', 'a:', '*', '[a TO', 'AND', '\', '/[/', 'deploy)', '((((((((', 'tags:') {
            { Search-MsgcodeMemory $query -Workspace $script:Ws -ErrorAction Stop } | Should -Not -Throw
        }
        @(Search-MsgcodeMemory 'deploy)' -Workspace $script:Ws).Count | Should -Be 2
    }

    It 'rebuilds a deleted or corrupt index without an error' {
        @(Search-MsgcodeMemory deploy -Workspace $script:Ws).Count | Should -Be 2
        $index = Join-Path $script:Ws 'memory' '.index'
        Test-Path $index | Should -BeTrue
        Get-ChildItem $index -File | ForEach-Object { [IO.File]::WriteAllBytes($_.FullName, [byte[]](1, 2, 3)) }
        @(Search-MsgcodeMemory deploy -Workspace $script:Ws -ErrorAction Stop).Count | Should -Be 2
        Remove-Item $index -Recurse -Force
        @(Search-MsgcodeMemory deploy -Workspace $script:Ws -ErrorAction Stop).Count | Should -Be 2
    }

    It 'sees hand edits of the memory files, however odd the markdown' {
        $file = Get-TodayFile $script:Ws
        Add-Content $file "`n## my own heading`nmango smoothie`n``````n## fenced mango`n``````"
        $hit = Search-MsgcodeMemory mango -Workspace $script:Ws
        $hit.Heading | Should -Be 'my own heading'
        $hit.Text | Should -BeLike '*## fenced mango*'
    }

    It 'reports a missing workspace with a stable id' {
        { Search-MsgcodeMemory x -Workspace (Join-Path $TestDrive 'nope') -ErrorAction Stop } |
            Should -Throw -ErrorId 'WorkspaceNotFound,Msgcode.PowerShell.Commands.SearchMsgcodeMemoryCommand'
    }

    It 'returns nothing for a workspace without memory' {
        Search-MsgcodeMemory anything -Workspace (New-TestWorkspace) | Should -BeNullOrEmpty
    }
}

Describe 'Memory configuration' {
    It 'declares the workspace-scoped injection keys with their defaults' {
        $null = New-TestHome
        (Get-MsgcodeEffectiveConfig memory.inject).Value | Should -BeFalse
        (Get-MsgcodeEffectiveConfig memory.injectTop).Value | Should -Be 3
        (Get-MsgcodeEffectiveConfig memory.injectMaxChars).Value | Should -Be 2000
        $ws = New-TestWorkspace
        Set-MsgcodeConfig memory.inject true -Workspace $ws
        (Get-MsgcodeEffectiveConfig memory.inject -Workspace $ws).Value | Should -BeTrue
    }
}

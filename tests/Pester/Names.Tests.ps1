#Requires -Version 7.4
# Names that agree (issue 20): runner names checked at the door, notes apart from run summaries,
# MSGCODE_-prefixed environment variables with the original names as a labelled fallback, short task ids.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Notes are their own field' {
    BeforeEach {
        $null = New-TestHome
        $script:Ws = New-TestWorkspace
    }

    It 'keeps Set-MsgcodeTask -Notes across a run; the run''s summary goes to LastSummary' {
        $task = New-MsgcodeTask -Title 'noted' -Prompt "'RUN-OUTPUT'" -Runner pwsh -Workspace $script:Ws
        $null = $task | Set-MsgcodeTask -Notes 'waiting for the API key'
        $null = $task | Invoke-MsgcodeTask
        $after = Get-MsgcodeTask -Id $task.Id -Workspace $script:Ws
        $after.Notes | Should -Be 'waiting for the API key'
        $after.LastSummary | Should -Match 'RUN-OUTPUT'
        $json = Get-Content -Raw (Join-Path $script:Ws 'tasks' "$($task.Id).json") | ConvertFrom-Json
        $json.notes.text | Should -Be 'waiting for the API key'
        ($after | Format-List | Out-String) | Should -Match 'Notes\s+: waiting for the API key'
    }

    It 'keeps Close-MsgcodeTask -Reason across a reopened task''s run' {
        $task = New-MsgcodeTask -Title 'closed' -Prompt "'AGAIN'" -Runner pwsh -Workspace $script:Ws
        $null = $task | Close-MsgcodeTask -Status canceled -Reason 'superseded'
        $null = Set-MsgcodeTask -Id $task.Id -Status open -Force -Workspace $script:Ws
        $null = $task | Invoke-MsgcodeTask
        $after = Get-MsgcodeTask -Id $task.Id -Workspace $script:Ws
        $after.CloseReason | Should -Be 'superseded'
        $after.LastSummary | Should -Match 'AGAIN'
    }
}

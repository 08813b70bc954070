@{
    # ModuleVersion is stamped by build.ps1 from Directory.Build.props (the one place the version lives).
    RootModule           = 'Msgcode.PowerShell.dll'
    ModuleVersion        = '0.0.0'
    GUID                 = '6f3b8f0e-2a51-4c3e-9a57-1d6b7f0c9e42'
    Author               = 'msgcode contributors'
    CompanyName          = 'msgcode'
    Copyright            = '(c) msgcode contributors. MIT License.'
    Description          = 'msgcode for PowerShell: a local agent platform. Tasks you can read and diff, pluggable runners, isolated git worktrees that yield patches, and a per-user daemon that queues, schedules, recovers and reports.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Msgcode.Format.ps1xml')
    CmdletsToExport      = @(
        'Add-MsgcodeMemory'
        'Clear-MsgcodeWorktree'
        'Close-MsgcodeTask'
        'Compare-MsgcodePatch'
        'Disable-MsgcodeJob'
        'Enable-MsgcodeJob'
        'Get-MsgcodeDaemon'
        'Get-MsgcodeEffectiveConfig'
        'Get-MsgcodeJob'
        'Get-MsgcodeJobRun'
        'Get-MsgcodeLog'
        'Get-MsgcodePatch'
        'Get-MsgcodeRoute'
        'Get-MsgcodeRunner'
        'Get-MsgcodeService'
        'Get-MsgcodeTask'
        'Get-MsgcodeTaskRun'
        'Get-MsgcodeVersion'
        'Get-MsgcodeWorktree'
        'Install-MsgcodeService'
        'Invoke-MsgcodeRunner'
        'Invoke-MsgcodeTask'
        'Merge-MsgcodePatch'
        'New-MsgcodeJob'
        'New-MsgcodeTask'
        'Remove-MsgcodeJob'
        'Remove-MsgcodeRoute'
        'Remove-MsgcodeTask'
        'Remove-MsgcodeWorktree'
        'Reset-MsgcodeConfig'
        'Restart-MsgcodeDaemon'
        'Restart-MsgcodeService'
        'Search-MsgcodeMemory'
        'Set-MsgcodeConfig'
        'Set-MsgcodeJob'
        'Set-MsgcodeRoute'
        'Set-MsgcodeTask'
        'Start-MsgcodeDaemon'
        'Start-MsgcodeJob'
        'Start-MsgcodeService'
        'Stop-MsgcodeDaemon'
        'Stop-MsgcodeService'
        'Test-MsgcodeDoctor'
        'Test-MsgcodePatch'
        'Undo-MsgcodePatch'
        'Uninstall-MsgcodeService'
        'Wait-MsgcodeTask'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('msgcode', 'agent', 'tasks', 'daemon', 'git', 'worktree', 'LMStudio', 'PSEdition_Core', 'Linux', 'Mac', 'Windows')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = 'See README.md.'
        }
    }
}

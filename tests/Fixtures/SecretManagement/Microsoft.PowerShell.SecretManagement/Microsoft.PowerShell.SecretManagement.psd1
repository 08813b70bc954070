# A stand-in for Microsoft.PowerShell.SecretManagement (a PowerShell Gallery module that cannot be installed offline):
# exactly the documented cmdlets msgcode calls, with their documented parameters and ErrorIds. Tests put its parent
# folder on PSModulePath. Its vaults live in the folder named by MSGCODE_TEST_VAULT_DIR (registry.json + <vault>.json).
@{
    RootModule = 'Microsoft.PowerShell.SecretManagement.psm1'
    ModuleVersion = '1.1.2'
    GUID = 'a5c858f6-4a8e-41f1-b1ee-0e2cf97dbf00'
    Description = 'Test stand-in for Microsoft.PowerShell.SecretManagement'
    PowerShellVersion = '7.4'
    FunctionsToExport = @('Get-SecretVault', 'Set-Secret', 'Get-Secret', 'Remove-Secret')
    CmdletsToExport = @()
    AliasesToExport = @()
}

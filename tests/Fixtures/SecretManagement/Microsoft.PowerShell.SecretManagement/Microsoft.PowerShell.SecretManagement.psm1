# Stand-in for Microsoft.PowerShell.SecretManagement: Get-SecretVault, Set-Secret, Get-Secret, Remove-Secret, with the
# parameters and errors of the real module (GetSecretVaultNotFound, SetSecretCommandFailNoVault, GetSecretNotFound,
# GetSecretException, and a locked vault's Microsoft.PowerShell.SecretManagement.PasswordRequiredException).
# State: $env:MSGCODE_TEST_VAULT_DIR/registry.json = { "vaults": [ { "name", "isDefault", "locked" } ] }; secrets in <vault>.json.

if (-not ('Microsoft.PowerShell.SecretManagement.PasswordRequiredException' -as [type])) {
    Add-Type -TypeDefinition @'
namespace Microsoft.PowerShell.SecretManagement
{
    public sealed class PasswordRequiredException : System.InvalidOperationException
    {
        public PasswordRequiredException(string msg) : base(msg) { }
    }
}
'@
}

function Get-Registry {
    if (-not $env:MSGCODE_TEST_VAULT_DIR) { return @() }
    $file = Join-Path $env:MSGCODE_TEST_VAULT_DIR 'registry.json'
    if (-not (Test-Path $file)) { return @() }
    @((Get-Content -Raw $file | ConvertFrom-Json).vaults)
}

function Get-VaultSecrets([string] $Vault) {
    $file = Join-Path $env:MSGCODE_TEST_VAULT_DIR "$Vault.json"
    $table = @{}
    if (Test-Path $file) { (Get-Content -Raw $file | ConvertFrom-Json -AsHashtable).GetEnumerator() | ForEach-Object { $table[$_.Key] = $_.Value } }
    $table
}

function Save-VaultSecrets([string] $Vault, [hashtable] $Table) {
    $Table | ConvertTo-Json | Set-Content (Join-Path $env:MSGCODE_TEST_VAULT_DIR "$Vault.json")
}

function New-Record([Exception] $Exception, [string] $Id, [Management.Automation.ErrorCategory] $Category, $Target) {
    [Management.Automation.ErrorRecord]::new($Exception, $Id, $Category, $Target)
}

function Resolve-Vault([Management.Automation.PSCmdlet] $Cmdlet, [string] $Vault, [switch] $ForWrite) {
    # SecretCmdlet.GetExtensionVault: an unknown name ends the command with GetSecretVaultNotFound.
    $vaults = Get-Registry
    if (-not $Vault) {
        $default = $vaults | Where-Object isDefault | Select-Object -First 1
        if (-not $default -and $ForWrite) {
            $Cmdlet.ThrowTerminatingError((New-Record ([Management.Automation.PSInvalidOperationException]::new('Unable to set secret because no vault was provided and there is no default vault designated.')) 'SetSecretCommandFailNoVault' InvalidOperation $Cmdlet))
        }
        return $default
    }
    $found = $vaults | Where-Object name -EQ $Vault | Select-Object -First 1
    if (-not $found) {
        $Cmdlet.ThrowTerminatingError((New-Record ([Management.Automation.PSInvalidOperationException]::new("Vault not found in registry: $Vault")) 'GetSecretVaultNotFound' ObjectNotFound $Cmdlet))
    }
    $found
}

function Assert-Unlocked($Entry) {
    if ($Entry.locked) {
        throw [Microsoft.PowerShell.SecretManagement.PasswordRequiredException]::new('A valid password is required to access the Microsoft.PowerShell.SecretStore vault. Use the Unlock-SecretStore cmdlet to provide the required password to access the store.')
    }
}

function Get-SecretVault {
    [CmdletBinding()]
    param([Parameter(Position = 0)] [string[]] $Name)
    $vaults = Get-Registry
    foreach ($pattern in ($Name ?? @('*'))) {
        $matched = @($vaults | Where-Object { $_.name -like $pattern })
        if (-not $matched -and -not [Management.Automation.WildcardPattern]::ContainsWildcardCharacters($pattern)) {
            $PSCmdlet.WriteError((New-Record ([Management.Automation.ItemNotFoundException]::new("Vault $pattern does not exist in registry.")) 'GetSecretVaultNotFound' ObjectNotFound $PSCmdlet))
        }
        foreach ($v in $matched) {
            [pscustomobject]@{ Name = $v.name; ModuleName = 'Microsoft.PowerShell.SecretStore'; ModulePath = $PSScriptRoot; Description = ''; VaultParameters = @{}; IsDefault = [bool] $v.isDefault }
        }
    }
}

function Set-Secret {
    [CmdletBinding(DefaultParameterSetName = 'SecureStringParameterSet', SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [string] $Vault,
        [Parameter(Position = 2)] [hashtable] $Metadata,
        [Parameter(Mandatory, ParameterSetName = 'SecureStringParameterSet')] [securestring] $SecureStringSecret,
        [Parameter(Mandatory, ParameterSetName = 'ObjectParameterSet')] [object] $Secret,
        [switch] $NoClobber
    )
    $entry = Resolve-Vault $PSCmdlet $Vault -ForWrite
    if (-not $PSCmdlet.ShouldProcess($entry.name, 'Write secret to vault and override any existing secret of the same name')) { return }
    Assert-Unlocked $entry
    $value = if ($PSCmdlet.ParameterSetName -eq 'SecureStringParameterSet') { [Net.NetworkCredential]::new('', $SecureStringSecret).Password }
             elseif ($Secret -is [securestring]) { [Net.NetworkCredential]::new('', $Secret).Password } else { [string] $Secret }
    $table = Get-VaultSecrets $entry.name
    if ($NoClobber -and $table.ContainsKey($Name)) {
        $PSCmdlet.ThrowTerminatingError((New-Record ([Management.Automation.PSInvalidOperationException]::new("A secret with name $Name already exists in vault $($entry.name).")) 'SetSecretCommandAlreadyExistsWithNoClobber' ResourceExists $PSCmdlet))
    }
    $table[$Name] = $value
    Save-VaultSecrets $entry.name $table
}

function Get-Secret {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [string] $Vault,
        [switch] $AsPlainText
    )
    $entries = if ($Vault) { @(Resolve-Vault $PSCmdlet $Vault) } else { @(Get-Registry | Sort-Object { -not $_.isDefault }) }
    foreach ($entry in $entries) {
        try { Assert-Unlocked $entry }
        catch {
            $PSCmdlet.WriteError((New-Record $_.Exception 'GetSecretException' InvalidOperation $PSCmdlet))
            return
        }
        $table = Get-VaultSecrets $entry.name
        if ($table.ContainsKey($Name)) {
            if ($AsPlainText) { return $table[$Name] }
            return (ConvertTo-SecureString -String $table[$Name] -AsPlainText -Force)
        }
    }
    $PSCmdlet.WriteError((New-Record ([Management.Automation.ItemNotFoundException]::new("The secret $Name was not found.")) 'GetSecretNotFound' ObjectNotFound $PSCmdlet))
}

function Remove-Secret {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Mandatory, Position = 1)] [string] $Vault
    )
    $entry = Resolve-Vault $PSCmdlet $Vault
    if (-not $PSCmdlet.ShouldProcess($entry.name, "Remove secret $Name")) { return }
    Assert-Unlocked $entry
    $table = Get-VaultSecrets $entry.name
    if (-not $table.ContainsKey($Name)) {
        $PSCmdlet.WriteError((New-Record ([Management.Automation.PSInvalidOperationException]::new("Unable to remove secret $Name from vault $($entry.name)")) 'RemoveSecretInvalidOperation' InvalidOperation $PSCmdlet))
        return
    }
    $table.Remove($Name)
    Save-VaultSecrets $entry.name $table
}

Export-ModuleMember -Function Get-SecretVault, Set-Secret, Get-Secret, Remove-Secret

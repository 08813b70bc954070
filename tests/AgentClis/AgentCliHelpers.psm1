# Test helpers for the real agent CLIs: the loopback model stand-in and each CLI's offline configuration.
Set-StrictMode -Version 3.0

function Get-AgentBin {
    # The folder holding the pinned claude, codex and opencode (build.ps1 installs them; see Install-AgentClis.ps1).
    if ($env:MSGCODE_TEST_AGENT_BIN -and (Test-Path $env:MSGCODE_TEST_AGENT_BIN)) { return $env:MSGCODE_TEST_AGENT_BIN }
    return $null
}

function Test-OnlyLoopback {
    # True when this process is in a network namespace whose only interface is loopback.
    if (-not $IsLinux) { return $false }
    $links = @(& ip -o link show 2>$null | ForEach-Object { ($_ -split ':\s*')[1] -replace '@.*$', '' })
    return ($links.Count -eq 1 -and $links[0] -eq 'lo')
}

function Get-AgentCliSkipReason {
    # Why the real-CLI tests cannot run here, or $null when they can. On Linux as root (CI) they always can: build.ps1
    # installs the CLIs and runs Pester in a loopback-only network namespace.
    if (-not $IsLinux) { return 'the real agent CLIs are tested on Linux, inside a network namespace with only loopback' }
    if (-not (Get-AgentBin)) { return 'the agent CLIs were not installed (needs npm; build.ps1 -Task Test installs them)' }
    if (-not (Get-Command python3 -ErrorAction SilentlyContinue)) { return 'the model stand-in needs python3' }
    if (-not (Test-OnlyLoopback)) { return 'not inside a loopback-only network namespace (build.ps1 -Task Test runs Pester in one when it runs as root)' }
    return $null
}

function Start-ModelStandIn {
    param([Parameter(Mandatory)] [string] $Folder)
    New-Item -ItemType Directory -Force -Path $Folder | Out-Null
    $portFile = Join-Path $Folder 'port'
    $log = Join-Path $Folder 'requests.jsonl'
    $script = if ($env:MSGCODE_TEST_STANDIN) { $env:MSGCODE_TEST_STANDIN } else { Join-Path $PSScriptRoot '..' 'Fixtures' 'model-standin' 'standin.py' }
    $process = Start-Process -FilePath python3 -ArgumentList @($script, '--port-file', $portFile, '--log', $log) -PassThru `
        -RedirectStandardOutput (Join-Path $Folder 'stdout.txt') -RedirectStandardError (Join-Path $Folder 'stderr.txt')
    $deadline = (Get-Date).AddSeconds(20)
    while (-not (Test-Path $portFile)) {
        if ($process.HasExited) { throw "The model stand-in exited: $(Get-Content -Raw (Join-Path $Folder 'stderr.txt'))" }
        if ((Get-Date) -gt $deadline) { throw 'The model stand-in did not start within 20 s.' }
        Start-Sleep -Milliseconds 50
    }
    $port = [int](Get-Content -Raw $portFile)
    [pscustomobject]@{ Process = $process; Port = $port; Log = $log; BaseUrl = "http://127.0.0.1:$port"; Folder = $Folder }
}

function Stop-ModelStandIn($StandIn) {
    if ($StandIn -and -not $StandIn.Process.HasExited) { $StandIn.Process.Kill($true) }
}

function Get-StandInRequest {
    # Every request the stand-in received, oldest first, optionally only one API's.
    param([Parameter(Mandatory)] $StandIn, [string] $Path)
    if (-not (Test-Path $StandIn.Log)) { return @() }
    $all = @(Get-Content -LiteralPath $StandIn.Log -Encoding utf8 | ForEach-Object { $_ | ConvertFrom-Json -AsHashtable -Depth 100 })
    if ($Path) { $all = @($all | Where-Object { $_.path -eq $Path }) }
    return $all
}

function Set-AgentCliEnvironment {
    # Points all three CLIs at the stand-in, with their state under $Folder and every update check, telemetry and
    # error report off, and puts them first on PATH. Returns the variables it set, for Restore-AgentCliEnvironment.
    param([Parameter(Mandatory)] $StandIn, [Parameter(Mandatory)] [string] $Folder, [string] $ApiKey = 'test-key')
    $claudeDir = Join-Path $Folder 'claude'
    $codexHome = Join-Path $Folder 'codex'
    $opencode = Join-Path $Folder 'opencode'
    New-Item -ItemType Directory -Force -Path $claudeDir, $codexHome, $opencode | Out-Null
    $vars = [ordered]@{
        PATH                                     = "$(Get-AgentBin)$([IO.Path]::PathSeparator)$env:PATH"
        # Claude Code: Anthropic Messages at the stand-in.
        ANTHROPIC_BASE_URL                       = $StandIn.BaseUrl
        ANTHROPIC_API_KEY                        = $ApiKey
        CLAUDE_CONFIG_DIR                        = $claudeDir
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1'
        DISABLE_TELEMETRY                        = '1'
        DISABLE_AUTOUPDATER                      = '1'
        DISABLE_ERROR_REPORTING                  = '1'
        # Codex: a custom provider speaking the Responses API (config.toml below).
        CODEX_HOME                               = $codexHome
        STANDIN_API_KEY                          = $ApiKey
        # OpenCode: an openai-compatible provider (opencode.json below).
        OPENCODE_CONFIG                          = (Join-Path $opencode 'opencode.json')
        OPENCODE_DISABLE_AUTOUPDATE              = '1'
        OPENCODE_DISABLE_MODELS_FETCH            = '1'
        OPENCODE_DISABLE_SHARE                   = '1'
        OPENCODE_DISABLE_LSP_DOWNLOAD            = '1'
        OPENCODE_DISABLE_DEFAULT_PLUGINS         = '1'
        XDG_DATA_HOME                            = (Join-Path $opencode 'data')
        XDG_CACHE_HOME                           = (Join-Path $opencode 'cache')
        XDG_STATE_HOME                           = (Join-Path $opencode 'state')
        XDG_CONFIG_HOME                          = (Join-Path $opencode 'config')
    }
    $saved = @{}
    foreach ($name in $vars.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $vars[$name])
    }
    $saved
}

function Restore-AgentCliEnvironment([hashtable] $Saved) {
    foreach ($name in $Saved.Keys) { [Environment]::SetEnvironmentVariable($name, $Saved[$name]) }
}

Export-ModuleMember -Function *

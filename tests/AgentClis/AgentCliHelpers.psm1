# Test helpers for the real agent CLIs: the loopback model stand-in and each CLI's offline configuration.
Set-StrictMode -Version 3.0

function Get-AgentBin {
    # The folder holding the pinned claude, codex and opencode (build.ps1 installs them; see Install-AgentClis.ps1).
    if ($env:MSGCODE_TEST_AGENT_BIN -and (Test-Path $env:MSGCODE_TEST_AGENT_BIN)) { return $env:MSGCODE_TEST_AGENT_BIN }
    return $null
}

function Get-AgentProcess {
    # The processes running a program of the npm install (claude, the native codex under its node wrapper, opencode).
    $root = [IO.Path]::GetDirectoryName((Get-AgentBin))
    Get-Process | Where-Object { $_.Path -and $_.Path.StartsWith($root, [StringComparison]::Ordinal) }
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
    $process = Start-Process -FilePath python3 -ArgumentList @('-B', $script, '--port-file', $portFile, '--log', $log) -PassThru `
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

function Get-StandInUserText {
    # The user texts of one recorded request, in any of the three wire formats, oldest first.
    param([Parameter(Mandatory)] $Request)
    $body = $Request.body
    $items = if ($body.ContainsKey('messages')) { $body.messages } elseif ($body.ContainsKey('input')) { $body.input } else { @() }
    if ($items -is [string]) { return , $items }
    foreach ($item in $items) {
        if ($item -isnot [hashtable] -or $item['role'] -ne 'user') { continue }
        $content = $item['content']
        if ($content -is [string]) { $content; continue }
        foreach ($part in $content) {
            if ($part -is [hashtable] -and $part['type'] -in 'text', 'input_text' -and $part['text'] -is [string]) { $part['text'] }
        }
    }
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
        OPENCODE_DISABLE_PROJECT_CONFIG          = '1'   # an opencode.json in a parent folder of the workspace would win otherwise
        XDG_DATA_HOME                            = (Join-Path $opencode 'data')
        XDG_CACHE_HOME                           = (Join-Path $opencode 'cache')
        XDG_STATE_HOME                           = (Join-Path $opencode 'state')
        XDG_CONFIG_HOME                          = (Join-Path $opencode 'config')
    }
    # Codex: the stand-in as a Responses-API provider, with a model catalog entry (without one codex opens every run with
    # an error item about unknown model metadata and offers no apply_patch tool), retries off, no update check or analytics.
    $catalog = (Join-Path $PSScriptRoot 'codex-model-catalog.json') -replace '\\', '/'
    @"
model_catalog_json = "$catalog"
model_provider = "standin"
model = "standin-model"
check_for_update_on_startup = false

[model_providers.standin]
name = "standin"
base_url = "$($StandIn.BaseUrl)/v1"
env_key = "STANDIN_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"
"@ | Set-Content -LiteralPath (Join-Path $codexHome 'config.toml') -Encoding utf8NoBOM
    @{
        '$schema' = 'https://opencode.ai/config.json'; autoupdate = $false; share = 'disabled'
        provider = @{ standin = @{
            npm = '@ai-sdk/openai-compatible'; name = 'Standin'
            options = @{ baseURL = "$($StandIn.BaseUrl)/v1"; apiKey = $ApiKey }
            models = @{ 'standin-model' = @{ name = 'Standin Model'; cost = @{ input = 3; output = 15 } } }
        } }
    } | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath (Join-Path $opencode 'opencode.json') -Encoding utf8NoBOM
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

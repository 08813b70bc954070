# Shared helpers for the Pester suites. Every suite runs against the built module (out/Msgcode) in a
# fresh pwsh started by build.ps1, which passes the module path and the pwsh command in the environment.

function Get-TestModulePath {
    if (-not $env:MSGCODE_TEST_MODULE) { throw 'MSGCODE_TEST_MODULE is not set: run the tests through build.ps1 -Task Test.' }
    return $env:MSGCODE_TEST_MODULE
}

function Get-TestPwsh {
    # The command (an array) that starts a fresh pwsh of the same version.
    if ($env:MSGCODE_TEST_PWSH) { return @($env:MSGCODE_TEST_PWSH | ConvertFrom-Json) }
    return @([Environment]::ProcessPath)
}

function Invoke-TestPwsh {
    # Runs a script in a fresh pwsh -NoProfile with the module imported; returns its output lines.
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $pwsh = Get-TestPwsh
    $exe = $pwsh[0]
    $prefix = @($pwsh | Select-Object -Skip 1)
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $Environment[$name])
    }
    try {
        $full = "Import-Module '$(Get-TestModulePath)' -ErrorAction Stop`n$Script"
        $output = & $exe @prefix -NoProfile -NonInteractive -Command $full 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object { "$_" }) }
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function Clear-MsgcodeEnvironment {
    # Removes every variable msgcode reads, so a test controls the environment layer alone.
    # Returns what was removed, for Restore-MsgcodeEnvironment.
    $saved = @{}
    foreach ($entry in (Get-MsgcodeEffectiveConfig -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)) {
        foreach ($name in @($entry.EnvironmentVariable, $entry.LegacyEnvironmentVariable) -ne $null) {   # the original msgcode's names too
            $value = [Environment]::GetEnvironmentVariable($name)
            if ($null -ne $value) {
                $saved[$name] = $value
                [Environment]::SetEnvironmentVariable($name, $null)
            }
        }
    }
    return $saved
}

function Restore-MsgcodeEnvironment([hashtable] $Saved) {
    foreach ($name in $Saved.Keys) { [Environment]::SetEnvironmentVariable($name, $Saved[$name]) }
}

function New-TestHome {
    # A fresh MSGCODE_HOME under $TestDrive, set for this process.
    param([string] $Name = ('home-' + [guid]::NewGuid().ToString('N').Substring(0, 8)))
    $path = Join-Path $TestDrive $Name
    New-Item -ItemType Directory -Force -Path $path | Out-Null
    $env:MSGCODE_HOME = $path
    return $path
}

function New-TestWorkspace {
    # A fresh, empty workspace folder under $TestDrive.
    $path = Join-Path $TestDrive ('ws-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $path | Out-Null
    return $path
}

function Wait-Until {
    # Polls a condition until it holds or the time is up; returns whether it held.
    param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $TimeoutSec = 15)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 50
    }
    return $false
}


function Test-ProcessGone {
    # Whether process $Id has exited (a zombie waiting for its parent counts as gone) on every system: /proc on Linux, ps on
    # macOS, Get-Process on Windows. A plain Test-Path /proc/<pid> would be true at once on macOS and pass without checking.
    param([Parameter(Mandatory)] [int] $Id)
    if ($IsLinux) {
        return -not (Test-Path "/proc/$Id") -or ((Get-Content "/proc/$Id/stat" -ErrorAction SilentlyContinue) -match '\) Z ')
    }
    if ($IsMacOS) {
        $state = (& ps -o stat= -p $Id 2>$null) -join ''
        return -not $state.Trim() -or $state.Trim().StartsWith('Z')
    }
    $process = Get-Process -Id $Id -ErrorAction SilentlyContinue
    return -not $process -or $process.HasExited
}

# The stand-in imsg (tests/Fixtures/imsg-standin.py): the imsg rpc protocol over stdio, with scripted messages.
function New-StandInImsg {
    # A stand-in imsg (tests/Fixtures/imsg-standin.py) in its own folder; returns the folder. The executable is <folder>/imsg.
    param([hashtable] $Options)
    $dir = Join-Path $TestDrive ('imsg-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $dir | Out-Null
    $imsg = Join-Path $dir 'imsg'
    $python = (& python3 -c 'import sys; print(sys.executable)')
    $standIn = (Resolve-Path (Join-Path $PSScriptRoot '..' 'Fixtures' 'imsg-standin.py')).Path
    Set-Content -LiteralPath $imsg -Value "#!/bin/sh`nexec '$python' '$standIn' `"`$@`" --dir '$dir'`n" -NoNewline
    & chmod +x $imsg
    New-Item -ItemType File -Path (Join-Path $dir 'messages.jsonl') | Out-Null
    if ($Options) { $Options | ConvertTo-Json -Compress | Set-Content (Join-Path $dir 'options.json') }
    return $dir
}

function Add-ChatMessage {
    # Scripts one message into the stand-in (imsg's payload shape); it streams it to subscribers.
    # -Direct marks it as a message of a direct (1:1) chat (is_group false); by default it comes from a group.
    param([string] $Dir, [long] $Rowid, [AllowNull()] [string] $Text, [string] $Chat = 'iMessage;+;chat0e2e0001', [string] $Sender = 'owner@example.com', [switch] $FromMe,
        [object[]] $Attachments = @(), [switch] $Direct)
    $message = [ordered]@{
        id = $Rowid; chat_id = 1; guid = "msg-$Rowid"; sender = $Sender; is_from_me = [bool]$FromMe; text = $(if ($Text) { $Text } else { $null })
        created_at = [DateTimeOffset]::UtcNow.ToString('o'); chat_guid = $Chat; is_group = -not $Direct; attachments = @($Attachments)
    }
    Add-Content -LiteralPath (Join-Path $Dir 'messages.jsonl') -Value ($message | ConvertTo-Json -Compress)
}

function New-ChatAttachment {
    # An attachment as imsg describes one (watch.subscribe with attachments: true): the file's path is original_path.
    param([Parameter(Mandatory)] [string] $Path, [string] $Mime, [string] $Uti, [switch] $Missing)
    $size = if (Test-Path -LiteralPath $Path) { (Get-Item -LiteralPath $Path).Length } else { 0 }
    [ordered]@{
        filename = $Path; transfer_name = (Split-Path $Path -Leaf); uti = $Uti; mime_type = $Mime; total_bytes = $size
        is_sticker = $false; original_path = $Path; missing = [bool]$Missing
    }
}

function Get-Sends([string] $Dir) {
    $path = Join-Path $Dir 'sends.jsonl'
    if (-not (Test-Path $path)) { return @() }
    @(Get-Content $path | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
}

function Get-SentCount([string] $Dir, [string] $Pattern) {
    # How many sends so far have a text matching the pattern.
    @(Get-Sends $Dir | Where-Object { $_.text -match $Pattern }).Count
}

function Get-SentText([string] $Dir, [string] $Pattern) {
    @(Get-Sends $Dir | Where-Object { $_.text -match $Pattern } | ForEach-Object text)
}

# A loopback stand-in for LM Studio's server, in its documented wire format: /api/v0/models (every model with its type,
# llm or vlm, and its state, loaded or not-loaded), /v1/models (the OpenAI-compatible list: loaded models only) and
# /v1/chat/completions (the answer says how many image parts reached which model, and the text part). Every request is
# logged as {method, path, body}, so a test can assert what was sent byte for byte. Stops by itself after 5 minutes.
function Start-LmStudioStandIn {
    param([Parameter(Mandatory)] [string] $Folder)
    $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
    $standIn = [pscustomobject]@{
        BaseUrl = "http://127.0.0.1:$port"; Models = (Join-Path $Folder 'lmstudio-models.json'); Requests = (Join-Path $Folder 'lmstudio-requests.jsonl')
        Listener = [Net.HttpListener]::new(); Server = $null
    }
    Set-LmStudioModels $standIn @()
    $standIn.Listener.Prefixes.Add("$($standIn.BaseUrl)/")
    $standIn.Listener.Start()
    $standIn.Server = Start-ThreadJob -ArgumentList $standIn.Listener, $standIn.Models, $standIn.Requests -ScriptBlock {
        param($listener, $modelsFile, $log)
        $deadline = [DateTime]::UtcNow.AddMinutes(5)   # bounded: it stops by itself
        while ([DateTime]::UtcNow -lt $deadline -and $listener.IsListening) {
            try { $context = $listener.GetContext() } catch { break }
            $request = $context.Request
            $body = [IO.StreamReader]::new($request.InputStream).ReadToEnd()
            $path = $request.Url.AbsolutePath
            Add-Content -LiteralPath $log -Value (@{ method = $request.HttpMethod; path = $path; body = $body } | ConvertTo-Json -Compress)
            $status = 200
            $models = @((Get-Content -Raw $modelsFile | ConvertFrom-Json).data)
            if ($path -eq '/api/v0/models') { $reply = Get-Content -Raw $modelsFile }
            elseif ($path -eq '/v1/models') {
                # The OpenAI-compatible list: loaded models only, with no type.
                $reply = @{ object = 'list'; data = @($models | Where-Object state -EQ 'loaded' | ForEach-Object { @{ id = $_.id; object = 'model'; owned_by = $_.publisher } }) } | ConvertTo-Json -Depth 4
            }
            elseif ($path -eq '/v1/chat/completions' -and $request.HttpMethod -eq 'POST') {
                $json = $body | ConvertFrom-Json
                $parts = @($json.messages[-1].content)
                $images = @($parts | Where-Object type -EQ 'image_url').Count
                $text = ($parts | Where-Object type -EQ 'text').text
                $reply = @{ id = 'chatcmpl-1'; object = 'chat.completion'; created = 0; model = $json.model
                    choices = @(@{ index = 0; finish_reason = 'stop'; message = @{ role = 'assistant'; content = "saw $images image(s) with $($json.model): $text" } })
                    usage = @{ prompt_tokens = 10; completion_tokens = 5; total_tokens = 15 } } | ConvertTo-Json -Depth 6
            }
            else { $status = 404; $reply = '{"error":"Unexpected endpoint or method."}' }
            $bytes = [Text.Encoding]::UTF8.GetBytes($reply)
            $context.Response.StatusCode = $status
            $context.Response.ContentType = 'application/json'
            try { $context.Response.OutputStream.Write($bytes, 0, $bytes.Length); $context.Response.Close() } catch { }
        }
    }
    $standIn
}

function Set-LmStudioModels {
    # What the stand-in lists, from 'id:type:state' (type llm or vlm, state loaded or not-loaded), in /api/v0/models' shape.
    param([Parameter(Mandatory)] $StandIn, [string[]] $Models)
    $data = @($Models | ForEach-Object {
        $id, $type, $state = $_ -split ':'
        @{ id = $id; object = 'model'; type = $type; publisher = 'lmstudio-community'; arch = 'qwen2_vl'; compatibility_type = 'gguf'
           quantization = 'Q4_K_M'; state = $state; max_context_length = 32768 } })
    @{ object = 'list'; data = $data } | ConvertTo-Json -Depth 4 | Set-Content $StandIn.Models
}

function Get-LmStudioRequests([Parameter(Mandatory)] $StandIn) {
    # The chat completions the stand-in received, oldest first: {method, path, body}.
    @(Get-Content $StandIn.Requests -ErrorAction SilentlyContinue | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object path -EQ '/v1/chat/completions')
}

function Stop-LmStudioStandIn([Parameter(Mandatory)] $StandIn) {
    $StandIn.Listener.Stop()
    $StandIn.Server | Wait-Job -Timeout 10 | Remove-Job -Force
}

Export-ModuleMember -Function Get-TestModulePath, Get-TestPwsh, Invoke-TestPwsh, Clear-MsgcodeEnvironment, Restore-MsgcodeEnvironment, New-TestHome, New-TestWorkspace, Wait-Until, New-StandInImsg, Add-ChatMessage, New-ChatAttachment, Get-Sends, Get-SentCount, Get-SentText, Start-LmStudioStandIn, Set-LmStudioModels, Get-LmStudioRequests, Stop-LmStudioStandIn, Test-ProcessGone

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
    foreach ($entry in (Get-MsgcodeEffectiveConfig -ErrorAction SilentlyContinue)) {
        $name = $entry.EnvironmentVariable
        $value = [Environment]::GetEnvironmentVariable($name)
        if ($null -ne $value) {
            $saved[$name] = $value
            [Environment]::SetEnvironmentVariable($name, $null)
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

Export-ModuleMember -Function Get-TestModulePath, Get-TestPwsh, Invoke-TestPwsh, Clear-MsgcodeEnvironment, Restore-MsgcodeEnvironment, New-TestHome, New-TestWorkspace, Wait-Until, New-StandInImsg, Add-ChatMessage, New-ChatAttachment, Get-Sends, Get-SentCount, Get-SentText

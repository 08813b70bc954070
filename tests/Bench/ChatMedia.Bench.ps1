# Voice notes (issue #18): the time from a voice note's arrival (its notification written by the stand-in imsg) to its
# task being queued (the daemon's "task queued" log entry), for a 5-second clip; the transcription is most of it.
# Reference, measured in the same run on the same file: the speech engine itself (pocketsphinx_continuous, as the asr
# runner calls it), for the WAV as it is and for the iMessage-style .caf through ffmpeg's conversion.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string[]] $Pwsh)

$tools = 'python3', 'espeak-ng', 'ffmpeg', 'pocketsphinx_continuous'
$missing = @($tools | Where-Object { -not (Get-Command $_ -ErrorAction SilentlyContinue) })
if (-not $IsLinux -or $missing) { Write-Warning "Voice note benchmarks need Linux and $($missing -join ', '); skipped."; return }
$scratch = Join-Path ([IO.Path]::GetTempPath()) ('msgcode-bench-media-' + [guid]::NewGuid().ToString('N'))
$attachments = Join-Path $scratch 'Attachments'
New-Item -ItemType Directory -Path $scratch, $attachments, (Join-Path $scratch 'ws') | Out-Null
$env:MSGCODE_HOME = Join-Path $scratch 'home'
$python = & python3 -c 'import sys; print(sys.executable)'
$standIn = (Resolve-Path (Join-Path $PSScriptRoot '..' 'Fixtures' 'imsg-standin.py')).Path
$imsgDir = Join-Path $scratch 'imsg'
New-Item -ItemType Directory -Path $imsgDir | Out-Null
Set-Content (Join-Path $imsgDir 'imsg') "#!/bin/sh`nexec '$python' '$standIn' `"`$@`" --dir '$imsgDir'`n" -NoNewline
& chmod +x (Join-Path $imsgDir 'imsg')
New-Item -ItemType File -Path (Join-Path $imsgDir 'messages.jsonl') | Out-Null
try {
    # A 5-second clip: spoken words padded with silence to exactly 5 s, as 16 kHz mono PCM (what the engine reads) and as
    # Opus in a CAF container (what an iPhone sends).
    $spoken = Join-Path $scratch 'spoken.wav'
    & espeak-ng -v en-us+f2 -s 150 -w $spoken 'the weather today is good and the meeting moves to three'
    $wav = Join-Path $attachments 'clip.wav'
    & ffmpeg -v error -y -i $spoken -af 'apad=whole_dur=5' -t 5 -ar 16000 -ac 1 -c:a pcm_s16le $wav
    $caf = Join-Path $attachments 'Audio Message.caf'
    & ffmpeg -v error -y -i $wav -c:a libopus -b:a 24k $caf
    $rounds = 5
    $measure = @"
Import-Module '$ModulePath'
`$ErrorActionPreference = 'Stop'
Set-MsgcodeConfig imsg.path '$imsgDir/imsg'
Set-MsgcodeConfig whitelist.emails 'bench@example.com'
Set-MsgcodeConfig channel.ackDelayMs -1
Set-MsgcodeConfig channel.attachmentsRoot '$attachments'
Set-MsgcodeRoute 'iMessage;+;chatmedia01' '$scratch/ws' -Runner shell
`$messages = '$imsgDir/messages.jsonl'
`$log = Join-Path `$env:MSGCODE_HOME 'log' 'msgcode.log'
`$script:rowid = 0
function Send-Note([string] `$Path, [string] `$Mime) {
    `$script:rowid++
    `$attachment = [ordered]@{ filename = `$Path; transfer_name = (Split-Path `$Path -Leaf); uti = 'com.apple.coreaudio-format'; mime_type = `$Mime; total_bytes = (Get-Item -LiteralPath `$Path).Length; is_sticker = `$false; original_path = `$Path; missing = `$false }
    `$line = [ordered]@{ id = `$script:rowid; chat_id = 1; guid = "g`$script:rowid"; sender = 'bench@example.com'; is_from_me = `$false; text = `$null; created_at = [DateTimeOffset]::UtcNow.ToString('o'); chat_guid = 'iMessage;+;chatmedia01'; is_group = `$false; attachments = @(`$attachment) } | ConvertTo-Json -Compress -Depth 4
    `$t0 = [DateTimeOffset]::UtcNow
    [IO.File]::AppendAllText(`$messages, `$line + "`n")
    while (`$true) {
        `$queued = Get-Content -LiteralPath `$log | Where-Object { `$_ -match '"msg":"task queued"' } | ForEach-Object { `$_ | ConvertFrom-Json } | Where-Object rowid -EQ `$script:rowid
        if (`$queued) { return ([DateTimeOffset]`$queued.ts - `$t0).TotalMilliseconds }
        `$refused = Get-Content -LiteralPath `$log | Where-Object { `$_ -match '"msg":"attachment refused"' } | ForEach-Object { `$_ | ConvertFrom-Json } | Where-Object rowid -EQ `$script:rowid
        if (`$refused) { throw "the voice note was refused: `$(`$refused.errorId)" }
        Start-Sleep -Milliseconds 5
    }
}
`$null = Start-MsgcodeDaemon
Start-Sleep -Milliseconds 500
`$null = Send-Note '$wav' 'audio/wav'   # warm-up
`$wavMs = foreach (`$i in 1..$rounds) { Send-Note '$wav' 'audio/wav' }
`$cafMs = foreach (`$i in 1..$rounds) { Send-Note '$caf' 'audio/x-caf' }
`$null = Stop-MsgcodeDaemon
"`$((`$wavMs | Sort-Object)[[int][Math]::Floor($rounds / 2)]);`$((`$cafMs | Sort-Object)[[int][Math]::Floor($rounds / 2)])"
"@
    $parts = (@(Invoke-BenchPwsh -Pwsh $Pwsh -Command $measure)[-1]) -split ';' | ForEach-Object { [double]$_ }

    # The engine on its own, the same file, the same number of rounds (median).
    $engine = {
        param([string] $Path, [bool] $Convert)
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $input16 = $Path
        if ($Convert) {
            $input16 = Join-Path $scratch 'ref16.wav'
            & ffmpeg -v error -y -i $Path -ar 16000 -ac 1 -c:a pcm_s16le $input16
        }
        $null = & pocketsphinx_continuous -infile $input16 -logfn /dev/null 2>$null
        $sw.Elapsed.TotalMilliseconds
    }
    $null = & $engine $wav $false
    $wavRef = (1..$rounds | ForEach-Object { & $engine $wav $false } | Sort-Object)[[int][Math]::Floor($rounds / 2)]
    $cafRef = (1..$rounds | ForEach-Object { & $engine $caf $true } | Sort-Object)[[int][Math]::Floor($rounds / 2)]
    New-BenchResult -Scenario 'media' -Metric '5 s voice note (16 kHz WAV) arrives -> its task is queued (median of 5)' -Value $parts[0] -Unit 'ms' -Reference $wavRef `
        -ReferenceName 'pocketsphinx_continuous on the same file' -Target '<= 2x' -Met ($parts[0] / $wavRef -le 2)
    New-BenchResult -Scenario 'media' -Metric '5 s voice note (Opus .caf) arrives -> its task is queued (median of 5)' -Value $parts[1] -Unit 'ms' -Reference $cafRef `
        -ReferenceName 'ffmpeg to 16 kHz WAV, then pocketsphinx_continuous' -Target '<= 2x' -Met ($parts[1] / $cafRef -le 2)
}
finally {
    Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:MSGCODE_HOME -ErrorAction SilentlyContinue
}

#Requires -Version 7.4
# Media messages end to end: a voice note, a photo and bad attachments sent through the stand-in imsg (the imsg rpc
# protocol, attachments as imsg describes them) to the real daemon. The speech is made by the real espeak-ng and
# heard by the real pocketsphinx (through ffmpeg), the photo is rendered by ImageMagick and read by the real
# tesseract, and answers are spoken by espeak-ng again. build.ps1's Test task installs those Debian packages.

BeforeDiscovery {
    $script:CanStandIn = $IsLinux -and [bool](Get-Command python3 -ErrorAction SilentlyContinue)
    $script:CanSpeak = [bool](Get-Command espeak-ng -ErrorAction SilentlyContinue) -and [bool](Get-Command ffmpeg -ErrorAction SilentlyContinue) -and
        [bool](Get-Command pocketsphinx_continuous -ErrorAction SilentlyContinue)
    $script:CanRead = [bool](Get-Command convert -ErrorAction SilentlyContinue) -and [bool](Get-Command tesseract -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:Chat = 'iMessage;+;chat0e2e0001'

    function Initialize-MediaChat([string] $ImsgDir, [string] $Runner = 'parrot', [hashtable] $Route = @{}) {
        # A chat bound to a workspace whose runner says the prompt back ("You said: ..."), and a Messages attachments folder.
        $script:Attachments = Join-Path $TestDrive ('Attachments-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $script:Attachments | Out-Null
        Set-MsgcodeConfig imsg.path (Join-Path $ImsgDir 'imsg')
        Set-MsgcodeConfig whitelist.emails 'owner@example.com'
        Set-MsgcodeConfig channel.ackDelayMs -1
        Set-MsgcodeConfig channel.attachmentsRoot $script:Attachments
        @{ version = 1; runners = @(@{ kind = 'parrot'; description = 'says the prompt back'; risk = 'low'
            command = @{ executable = '/bin/sh'; arguments = @('-c', 'printf "You said: "; cat'); prompt = 'stdin'; result = @{ from = 'stdout' } } }) } |
            ConvertTo-Json -Depth 6 | Set-Content (Join-Path $script:TestHome 'capabilities.json')
        $ws = New-TestWorkspace
        Set-MsgcodeRoute $script:Chat $ws -Runner $Runner @Route
        return $ws
    }

    function New-VoiceNote([string] $Text, [string] $Name = 'Audio Message.caf') {
        # What an iPhone sends: Opus in a CAF container.
        $wav = Join-Path $TestDrive ([guid]::NewGuid().ToString('N') + '.wav')
        & espeak-ng -v en-us+f2 -s 170 -w $wav $Text
        $caf = Join-Path $script:Attachments $Name
        & ffmpeg -v error -y -i $wav -c:a libopus -b:a 24k $caf
        return $caf
    }
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Voice notes, photos and files from a chat (real daemon, stand-in imsg)' -Skip:(-not $script:CanStandIn) {
    BeforeEach {
        $script:TestHome = New-TestHome
    }
    AfterEach {
        Stop-MsgcodeDaemon -TimeoutSec 10 -ErrorAction SilentlyContinue | Out-Null
    }

    It 'answers a voice note from its transcribed words, shows them first, and speaks the answer when the route asks' -Skip:(-not $script:CanSpeak) {
        $imsg = New-StandInImsg
        $ws = Initialize-MediaChat $imsg -Route @{ VoiceReply = 'both'; ShowTranscript = $true }
        (Get-MsgcodeRoute $script:Chat).VoiceReply | Should -Be 'both'
        $note = New-VoiceNote 'the weather today is good'
        Add-ChatMessage $imsg 1 $null -Attachments @(New-ChatAttachment $note -Mime 'audio/x-caf' -Uti 'com.apple.coreaudio-format')
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-SentCount $imsg 'You said') -ge 1 } -TimeoutSec 60 | Should -BeTrue
        Start-Sleep -Milliseconds 500   # room for a second answer, if there were one

        $sends = @(Get-Sends $imsg)
        $sends.Count | Should -Be 1 -Because 'one voice note, one answer (text and audio in one message)'
        $sends[0].text | Should -Match '^Heard: .*weather today'
        $sends[0].text | Should -Match 'You said: .*weather today' -Because "the runner's prompt was the transcript"
        $sends[0].file | Should -Match '\.wav$'
        Test-Path -LiteralPath $sends[0].file | Should -BeTrue
        [IO.File]::ReadAllBytes($sends[0].file)[0..3] | Should -Be ([Text.Encoding]::ASCII.GetBytes('RIFF')) -Because 'espeak-ng spoke the answer into a WAV'
        $task = Get-MsgcodeTask -Workspace $ws
        $task.Prompt | Should -Match 'weather today'
        $json = Get-Content -LiteralPath $task.Path -Raw | ConvertFrom-Json
        $json.inputs.transcript | Should -Match 'weather today'
        $json.route.chatGuid | Should -Be $script:Chat
    }

    It 'speaks at most tts.maxChars characters of an answer when the route replies with audio only' -Skip:(-not $script:CanSpeak) {
        $imsg = New-StandInImsg
        $null = Initialize-MediaChat $imsg -Route @{ VoiceReply = 'audio' }
        $long = (1..40 | ForEach-Object { "sentence number $_ of a long answer." }) -join ' '
        Set-MsgcodeConfig tts.maxChars 20
        Add-ChatMessage $imsg 1 $long
        $null = Start-MsgcodeDaemon
        Wait-Until { @(Get-Sends $imsg).Count -ge 1 } -TimeoutSec 60 | Should -BeTrue
        Set-MsgcodeConfig tts.maxChars 100000
        Add-ChatMessage $imsg 2 $long
        Wait-Until { @(Get-Sends $imsg).Count -ge 2 } -TimeoutSec 90 | Should -BeTrue
        $sends = @(Get-Sends $imsg)
        $sends.text | Should -Be @('', '') -Because 'audio only: the answer is spoken, not written'
        function Get-WavSeconds([string] $Path) {
            $bytes = [IO.File]::ReadAllBytes($Path)
            ($bytes.Length - 44) / [BitConverter]::ToInt32($bytes, 28)   # the data after the header over the byte rate
        }
        $short = Get-WavSeconds $sends[0].file
        $full = Get-WavSeconds $sends[1].file
        $short | Should -BeLessThan 4 -Because 'tts.maxChars 20 speaks about twenty characters'
        $full | Should -BeGreaterThan 30 -Because 'the whole answer (about 1400 characters) is spoken when the limit allows it'
    }

    It 'reads the text of a photo for a runner that cannot look at images, and attaches the photo to the task' -Skip:(-not $script:CanRead) {
        $imsg = New-StandInImsg
        $ws = Initialize-MediaChat $imsg
        $photo = Join-Path $script:Attachments 'IMG_0001.png'
        & convert -size 640x140 xc:white -fill black -pointsize 56 -annotate +20+90 'INVOICE 4711' $photo
        Add-ChatMessage $imsg 1 'what is the number on this' -Attachments @(New-ChatAttachment $photo -Mime 'image/png' -Uti 'public.png')
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-SentCount $imsg 'You said') -ge 1 } -TimeoutSec 60 | Should -BeTrue
        $answer = @(Get-SentText $imsg 'You said')
        $answer.Count | Should -Be 1
        $answer[0] | Should -Match 'what is the number on this'
        $answer[0] | Should -Match 'INVOICE 4711' -Because 'tesseract read the photo into the prompt'
        $task = Get-MsgcodeTask -Workspace $ws
        @($task.Files).Count | Should -Be 1
        $copy = Join-Path $ws $task.Files[0]
        (Get-FileHash -LiteralPath $copy).Hash | Should -Be (Get-FileHash -LiteralPath $photo).Hash -Because 'the task keeps its own copy of the photo'
    }

    It "sends a photo to the chat's lmstudio route as an image, to the loaded vision model, and answers from it" {
        $lmstudio = Start-LmStudioStandIn $TestDrive
        try {
            Set-LmStudioModels $lmstudio 'meta-llama-3.1-8b-instruct:llm:loaded', 'qwen2-vl-7b-instruct:vlm:loaded'
            $imsg = New-StandInImsg
            $ws = Initialize-MediaChat $imsg -Runner lmstudio
            Set-MsgcodeConfig lmstudio.baseUrl $lmstudio.BaseUrl
            $photo = Join-Path $script:Attachments 'IMG_0002.png'
            [IO.File]::WriteAllBytes($photo, [Convert]::FromBase64String('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='))
            Add-ChatMessage $imsg 1 'what colour is this' -Attachments @(New-ChatAttachment $photo -Mime 'image/png' -Uti 'public.png')
            $null = Start-MsgcodeDaemon
            Wait-Until { (Get-SentCount $imsg 'saw') -ge 1 } -TimeoutSec 60 | Should -BeTrue
            $answer = @(Get-SentText $imsg 'saw')
            $answer.Count | Should -Be 1
            $answer[0] | Should -Match '^saw 1 image\(s\) with qwen2-vl-7b-instruct: what colour is this' -Because 'the photo went as an image part to the loaded vision model'
            $request = @(Get-LmStudioRequests $lmstudio)[-1].body | ConvertFrom-Json
            $image = @($request.messages[-1].content | Where-Object type -EQ 'image_url')[0].image_url.url
            $image | Should -Be ('data:image/png;base64,' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($photo))) -Because 'the request carried the photo byte for byte'
            @(Get-MsgcodeTask -Workspace $ws)[0].Files | Should -BeLike 'tasks/inputs/*/IMG_0002.png'

            # A photo its task cannot take (over tasks.maxInputFileBytes) is answered with the reason; no task.
            Set-MsgcodeConfig tasks.maxInputFileBytes 10
            Add-ChatMessage $imsg 2 'and this one' -Attachments @(New-ChatAttachment $photo -Mime 'image/png')
            Wait-Until { (Get-SentCount $imsg 'tasks\.maxInputFileBytes') -ge 1 } -TimeoutSec 30 | Should -BeTrue
            @(Get-MsgcodeTask -Workspace $ws).Count | Should -Be 1
            (Get-Content (Join-Path $script:TestHome 'log' 'msgcode.log') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object msg -EQ 'attachment refused').errorId | Should -Be 'TaskInputFileTooLarge'
        }
        finally {
            Stop-LmStudioStandIn $lmstudio
        }
    }

    It 'answers every attachment it cannot use with the reason, makes no task for it, and serves the next message' {
        $imsg = New-StandInImsg
        $ws = Initialize-MediaChat $imsg
        $elsewhere = Join-Path $TestDrive ('elsewhere-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $elsewhere | Out-Null
        Set-Content -LiteralPath (Join-Path $elsewhere 'secret.png') 'not for the chat'
        New-Item -ItemType SymbolicLink -Path (Join-Path $script:Attachments 'link.png') -Target (Join-Path $elsewhere 'secret.png') | Out-Null
        $video = Join-Path $script:Attachments 'clip.mov'
        & truncate -s 200M $video
        Set-Content -LiteralPath (Join-Path $script:Attachments 'notes.zip') 'PK'
        Add-ChatMessage $imsg 1 $null -Attachments @(New-ChatAttachment (Join-Path $script:Attachments 'gone.caf') -Mime 'audio/x-caf' -Missing)
        Add-ChatMessage $imsg 2 'look' -Attachments @(New-ChatAttachment (Join-Path $elsewhere 'secret.png') -Mime 'image/png')
        Add-ChatMessage $imsg 3 'look' -Attachments @(New-ChatAttachment (Join-Path $script:Attachments 'link.png') -Mime 'image/png')
        Add-ChatMessage $imsg 4 $null -Attachments @(New-ChatAttachment $video -Mime 'video/quicktime')
        Add-ChatMessage $imsg 5 $null -Attachments @(New-ChatAttachment (Join-Path $script:Attachments 'notes.zip') -Mime 'application/zip')
        Add-ChatMessage $imsg 6 'still here'
        $null = Start-MsgcodeDaemon
        Wait-Until { (Get-SentCount $imsg 'You said: still here') -ge 1 } -TimeoutSec 60 | Should -BeTrue

        $texts = @(Get-Sends $imsg | ForEach-Object text)
        $texts.Count | Should -Be 6 -Because 'every message gets exactly one answer, never silence'
        $texts[0] | Should -Match 'gone\.caf is not on this Mac'
        $texts[1] | Should -Match 'secret\.png is not in the Messages attachments folder'
        $texts[2] | Should -Match 'link\.png is not in the Messages attachments folder' -Because 'a link out of the folder is refused like the file it points to'
        $texts[3] | Should -Match 'clip\.mov is too large \(200 MB; at most 100 MB'
        $texts[4] | Should -Match 'cannot use the attachment notes\.zip \(application/zip\)'
        $texts[5] | Should -Be 'You said: still here'
        @(Get-MsgcodeTask -Workspace $ws).Count | Should -Be 1 -Because 'no task was made for a refused attachment'
        $log = Get-Content (Join-Path $script:TestHome 'log' 'msgcode.log') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object msg -EQ 'attachment refused'
        @($log.errorId) | Should -Be @('AttachmentMissing', 'AttachmentOutsideFolder', 'AttachmentOutsideFolder', 'AttachmentTooLarge', 'AttachmentUnsupported')
        (Get-Content (Join-Path $script:TestHome 'log' 'msgcode.log') -Raw).Contains('not for the chat') | Should -BeFalse
    }

    It 'says so when a voice note holds no words or is not audio at all' -Skip:(-not $script:CanSpeak) {
        $imsg = New-StandInImsg
        $ws = Initialize-MediaChat $imsg
        $silence = Join-Path $script:Attachments 'Audio Message.caf'
        & ffmpeg -v error -y -f lavfi -i 'anullsrc=r=16000:cl=mono' -t 2 -c:a libopus $silence
        $fake = Join-Path $script:Attachments 'fake.m4a'
        Set-Content -LiteralPath $fake 'this is text, not sound'
        Add-ChatMessage $imsg 1 $null -Attachments @(New-ChatAttachment $silence -Mime 'audio/x-caf')
        Add-ChatMessage $imsg 2 $null -Attachments @(New-ChatAttachment $fake -Mime 'audio/mp4')
        $null = Start-MsgcodeDaemon
        Wait-Until { @(Get-Sends $imsg).Count -ge 2 } -TimeoutSec 60 | Should -BeTrue
        $texts = @(Get-Sends $imsg | ForEach-Object text)
        $texts[0] | Should -Match 'could not make out any words in the voice note Audio Message\.caf'
        $texts[1] | Should -Match 'fake\.m4a could not be turned into words'
        @(Get-MsgcodeTask -Workspace $ws).Count | Should -Be 0
        $log = Get-Content (Join-Path $script:TestHome 'log' 'msgcode.log') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object msg -EQ 'attachment refused'
        $log[0].errorId | Should -Be 'AsrTranscriptEmpty'
        $log[1].errorId | Should -Not -BeNullOrEmpty
    }
}

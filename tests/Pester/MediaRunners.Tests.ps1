#Requires -Version 7.4
# Files reach runners, and the media runners read them: a task's input files (copied into the task), {files} and
# stdin-json in declarative entries, MSGCODE_INPUT_FILES for scripts, real speech to text (espeak-ng speaks, ffmpeg
# converts, pocketsphinx listens), real OCR (ImageMagick draws, tesseract reads), and pictures to LM Studio's vision
# model against a loopback stand-in that answers in LM Studio's wire format (/v1/models, /api/v0/models,
# /v1/chat/completions) and keeps every request it got.

BeforeDiscovery {
    $script:OnUnix = -not $IsWindows
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
    $script:SavedPath = $env:PATH

    function Set-UserRegistry([hashtable[]] $Entries) {
        @{ version = 1; runners = $Entries } | ConvertTo-Json -Depth 8 | Set-Content (Join-Path $script:TestHome 'capabilities.json')
    }

    function New-Speech([string] $Text) {
        # A real voice: espeak-ng writes a 22050 Hz WAV, which the asr runner must convert.
        $wav = Join-Path $TestDrive ('speech-' + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.wav')
        & espeak-ng -v en-us+f2 -s 170 -w $wav $Text
        $wav
    }

    function Get-MissingTool([string[]] $Names) {
        $missing = @($Names | Where-Object { -not (Get-Command $_ -ErrorAction SilentlyContinue) })
        if ($missing) { "not installed here: $($missing -join ', ') (build.ps1 -Task Test installs them from Debian packages)" }
    }
}

AfterAll {
    $env:PATH = $script:SavedPath
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'A task''s input files' -Skip:(-not $script:OnUnix) {
    BeforeEach {
        $script:TestHome = New-TestHome
        $env:PATH = $script:SavedPath
        $script:Ws = New-TestWorkspace
        $script:Source = Join-Path $TestDrive ('src-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $script:Source, (Join-Path $script:Source 'other') | Out-Null
        Set-Content (Join-Path $script:Source 'note.txt') 'first'
        Set-Content (Join-Path $script:Source 'other' 'note.txt') 'second'
    }

    It 'New-MsgcodeTask -File copies each file into tasks/inputs/<id> (a name clash gets a suffix) and the run gets the copies, even once the originals are gone' {
        Push-Location $script:Source
        try { $task = New-MsgcodeTask 'two notes' -Runner shell -Prompt 'printf "%s\n" "$MSGCODE_INPUT_FILES"; cat $MSGCODE_INPUT_FILES' -File 'note.txt', (Join-Path 'other' 'note.txt') -Workspace $script:Ws }
        finally { Pop-Location }
        $task.Files | Should -Be @("tasks/inputs/$($task.Id)/note.txt", "tasks/inputs/$($task.Id)/note-2.txt")
        Remove-Item -Recurse $script:Source
        $run = $task | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded'
        $copies = @(Join-Path $script:Ws 'tasks' 'inputs' $task.Id 'note.txt'; Join-Path $script:Ws 'tasks' 'inputs' $task.Id 'note-2.txt')
        $run.Output -split "`n" | Where-Object { $_ } | Should -Be @($copies[0], $copies[1], 'first', 'second')
    }

    It 'a declarative entry''s {files} becomes one argument per file, {file} the first, and stdin-json carries prompt and files' {
        Set-UserRegistry @(
            @{ kind = 'args'; description = 'prints its arguments'; risk = 'low'
               command = @{ executable = '/usr/bin/printf'; arguments = @('[%s]', 'first={file}', '{files}'); prompt = 'argument'; result = @{ from = 'stdout' } } }
            @{ kind = 'jsonin'; description = 'echoes its stdin'; risk = 'low'
               command = @{ executable = '/bin/cat'; arguments = @(); prompt = 'stdin-json'; result = @{ from = 'stdout' } } })
        $task = New-MsgcodeTask 'files' -Runner args -File (Join-Path $script:Source 'note.txt'), (Join-Path $script:Source 'other' 'note.txt') -Workspace $script:Ws
        $copies = $task.Files | ForEach-Object { Join-Path $script:Ws $_ }
        ($task | Invoke-MsgcodeTask).Output | Should -Be "[first=$($copies[0])][$($copies[0])][$($copies[1])]"
        (Invoke-MsgcodeRunner args 'p').Output | Should -Be '[first=]' -Because 'no files: {files} adds no argument and {file} is empty'
        $json = (Invoke-MsgcodeRunner jsonin 'what is in it?' -File (Join-Path $script:Source 'note.txt')).Output | ConvertFrom-Json
        $json.prompt | Should -Be 'what is in it?'
        $json.files | Should -Be @((Join-Path $script:Source 'note.txt'))
    }

    It 'the pwsh runner gets the files in MSGCODE_INPUT_FILES too' {
        $task = New-MsgcodeTask 'ps' -Runner pwsh -Prompt '($env:MSGCODE_INPUT_FILES -split "`n" | ForEach-Object { Get-Content $_ }) -join "+"' -File (Join-Path $script:Source 'note.txt') -Workspace $script:Ws
        ($task | Invoke-MsgcodeTask).Output.Trim() | Should -Be 'first'
    }

    It 'refuses a file that is not there, a folder and a file over tasks.maxInputFileBytes, and makes no task' {
        New-MsgcodeTask 't' -File (Join-Path $script:Source 'missing.wav') -Runner shell -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskInputFileNotFound,*'
        New-MsgcodeTask 't' -File $script:Source -Runner shell -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskInputFileNotFound,*'
        Set-MsgcodeConfig tasks.maxInputFileBytes 3
        New-MsgcodeTask 't' -File (Join-Path $script:Source 'note.txt') -Runner shell -Workspace $script:Ws -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'TaskInputFileTooLarge,*'
        $e[0].TargetObject | Should -Be (Join-Path $script:Source 'note.txt')
        @(Get-MsgcodeTask -Workspace $script:Ws).Count | Should -Be 0
        Join-Path $script:Ws 'tasks' 'inputs' | Should -Not -Exist
    }

    It 'a run whose input copy was deleted fails with TaskInputFileNotFound before its runner starts; a one-shot call with a missing file is RunnerInputMissing' {
        $task = New-MsgcodeTask 't' -Runner shell -Prompt 'echo ran' -File (Join-Path $script:Source 'note.txt') -Workspace $script:Ws
        Remove-Item (Join-Path $script:Ws $task.Files[0])
        $run = $task | Invoke-MsgcodeTask -ErrorAction SilentlyContinue
        $run.ErrorCode | Should -Be 'TaskInputFileNotFound'
        $run.Output | Should -BeNullOrEmpty
        Invoke-MsgcodeRunner shell 'echo x' -File (Join-Path $script:Source 'gone.png') -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerInputMissing,*'
    }
}

Describe 'The asr runner: speech to text with real espeak-ng, ffmpeg and pocketsphinx' -Skip:(-not $IsLinux) {
    BeforeAll {
        $script:Missing = Get-MissingTool 'espeak-ng', 'ffmpeg', 'pocketsphinx_continuous'
        if (-not $script:Missing -and -not (Test-Path '/usr/share/pocketsphinx/model/en-us')) { $script:Missing = 'pocketsphinx-en-us (its model) is not installed here' }
        if (-not $script:Missing) { $script:Weather = New-Speech 'the weather today is good' }
    }
    BeforeEach {
        $script:TestHome = New-TestHome
        $env:PATH = $script:SavedPath
        if ($script:Missing) { Set-ItResult -Skipped -Because $script:Missing }
    }

    It 'transcribes a 22 kHz espeak-ng WAV (converted by ffmpeg) into the run''s output and answer.txt, as a one-shot call and as a task' {
        if ($script:Missing) { return }
        (Get-MsgcodeRunner asr).Available | Should -BeTrue
        $out = Invoke-MsgcodeRunner asr -File $script:Weather
        $out.Status | Should -Be 'succeeded'
        $out.Output | Should -Match 'weather today'
        Get-Content -Raw ($out.Artifacts | Where-Object { $_ -like '*answer.txt' }) | Should -Be $out.Output
        $out.Artifacts | Should -Contain (Join-Path (Split-Path $out.Artifacts[0]) 'speech-16k.wav')
        $ws = New-TestWorkspace
        $run = New-MsgcodeTask 'voice note' -Runner asr -File $script:Weather -Workspace $ws | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded'
        $run.Output | Should -Match 'weather today'
        $run.Artifacts | Should -Contain "tasks/artifacts/$($run.RunId)/answer.txt"
    }

    It 'takes a 16 kHz mono WAV as it is, with no conversion' {
        if ($script:Missing) { return }
        $ready = Join-Path $TestDrive 'ready.wav'
        & ffmpeg -nostdin -loglevel error -y -i $script:Weather -ac 1 -ar 16000 -c:a pcm_s16le $ready
        $out = Invoke-MsgcodeRunner asr -File $ready
        $out.Output | Should -Match 'weather today'
        $out.Artifacts | Where-Object { $_ -like '*speech-16k.wav' } | Should -BeNullOrEmpty
    }

    It 'bad input: no file, a file that is not audio, a file over asr.maxBytes, and silence each fail with their own ErrorId' {
        if ($script:Missing) { return }
        (Invoke-MsgcodeRunner asr -ErrorAction SilentlyContinue).ErrorCode | Should -Be 'RunnerInputMissing'
        $text = Join-Path $TestDrive 'not-audio.m4a'
        Set-Content $text 'this is a text file, not a voice note'
        $out = Invoke-MsgcodeRunner asr -File $text -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'AudioConversionFailed,*'
        $out.ErrorMessage | Should -Match 'not-audio.m4a'
        Set-MsgcodeConfig asr.maxBytes 2048
        (Invoke-MsgcodeRunner asr -File $script:Weather -ErrorAction SilentlyContinue).ErrorCode | Should -Be 'RunnerInputTooLarge'
        Reset-MsgcodeConfig asr.maxBytes
        $silence = Join-Path $TestDrive 'silence.wav'
        & ffmpeg -nostdin -loglevel error -y -f lavfi -i 'anullsrc=r=16000:cl=mono' -t 2 -c:a pcm_s16le $silence
        $out = Invoke-MsgcodeRunner asr -File $silence -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'AsrTranscriptEmpty,*'
        $out.Output | Should -BeNullOrEmpty
    }

    It 'names what to install when no engine is there, or when whisper is asked for without whisper-cli' {
        if ($script:Missing) { return }
        $env:PATH = '/nonexistent'
        $out = Invoke-MsgcodeRunner asr -File $script:Weather -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerUnavailable,*'
        $out.ErrorMessage | Should -Match 'apt-get install pocketsphinx pocketsphinx-en-us'
        $info = Get-MsgcodeRunner asr
        $info.Available | Should -BeFalse
        $info.FixHint | Should -Match 'pocketsphinx' 
        $info.FixHint | Should -Match 'ffmpeg'
        $env:PATH = $script:SavedPath
        Set-MsgcodeConfig asr.engine whisper
        if (Get-Command whisper-cli -ErrorAction SilentlyContinue) { return }
        (Invoke-MsgcodeRunner asr -File $script:Weather -ErrorAction SilentlyContinue).ErrorMessage | Should -Match 'whisper-cli'
    }
}

Describe 'The ocr runner: real tesseract reads an image ImageMagick drew' -Skip:(-not $IsLinux) {
    BeforeAll {
        $script:Missing = Get-MissingTool 'tesseract', 'convert'
        if (-not $script:Missing -and -not (& fc-list 'DejaVu Sans' 2>$null)) { $script:Missing = 'the DejaVu Sans font is not installed here (Debian: fonts-dejavu-core)' }
    }
    BeforeEach {
        $script:TestHome = New-TestHome
        if ($script:Missing) { Set-ItResult -Skipped -Because $script:Missing }
    }

    It 'reads INVOICE 4711 from a PNG, one-shot and as a task with the picture attached' {
        if ($script:Missing) { return }
        $png = Join-Path $TestDrive 'invoice.png'
        & convert -size 600x120 xc:white -font DejaVu-Sans -pointsize 48 -fill black -annotate +20+80 'INVOICE 4711' $png
        $png | Should -Exist
        (Get-MsgcodeRunner ocr).Available | Should -BeTrue
        (Invoke-MsgcodeRunner ocr -File $png).Output | Should -Match 'INVOICE 4711'
        $run = New-MsgcodeTask 'read it' -Runner ocr -File $png -Workspace (New-TestWorkspace) | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded'
        $run.Output | Should -Match 'INVOICE 4711'
    }

    It 'without a picture it fails with RunnerInputMissing before tesseract starts' {
        if ($script:Missing) { return }
        Invoke-MsgcodeRunner ocr -ErrorVariable e -ErrorAction SilentlyContinue | Out-Null
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerInputMissing,*'
    }
}

Describe 'Pictures to LM Studio''s vision model (lmstudio and vision runners) against a loopback stand-in' {
    BeforeAll {
        $script:StandIn = Start-LmStudioStandIn $TestDrive
        $script:Port = ([uri]$script:StandIn.BaseUrl).Port
        $script:Models = $script:StandIn.Models
        $script:Requests = $script:StandIn.Requests
        function Set-Models([string[]] $Models) { Set-LmStudioModels $script:StandIn $Models }

        function Get-ChatRequests { Get-LmStudioRequests $script:StandIn }

        $script:Png = Join-Path $TestDrive 'photo.png'
        # A tiny real PNG (1x1), written byte for byte: the request must carry exactly these bytes.
        [IO.File]::WriteAllBytes($script:Png, [Convert]::FromBase64String('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='))
    }
    AfterAll {
        Stop-LmStudioStandIn $script:StandIn
    }
    BeforeEach {
        $script:TestHome = New-TestHome
        Set-MsgcodeConfig lmstudio.baseUrl "http://127.0.0.1:$script:Port"
        Set-Models 'meta-llama-3.1-8b-instruct:llm:loaded', 'qwen2-vl-7b-instruct:vlm:loaded'
        Remove-Item $script:Requests -ErrorAction SilentlyContinue
    }

    It 'sends a picture as an image_url data URL next to the text, to the loaded vision model (auto), not the first model' {
        $out = Invoke-MsgcodeRunner lmstudio 'what is on it?' -File $script:Png
        $out.Status | Should -Be 'succeeded'
        $out.Output | Should -Be 'saw 1 image(s) with qwen2-vl-7b-instruct: what is on it?'
        $sent = (Get-ChatRequests)[-1].body | ConvertFrom-Json
        $parts = $sent.messages[-1].content
        $parts[0].type | Should -Be 'text' -Because 'the text part comes first'
        $parts[0].text | Should -Be 'what is on it?'
        $parts[1].type | Should -Be 'image_url'
        $parts[1].image_url.url | Should -Be ('data:image/png;base64,' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($script:Png)))
        # A prompt alone still goes to the text model, as a plain string.
        (Invoke-MsgcodeRunner lmstudio 'plain').Output | Should -Match 'with meta-llama-3.1-8b-instruct'
    }

    It 'the vision runner asks its default question when the prompt is empty, and uses lmstudio.visionModel when it is loaded' {
        Set-Models 'qwen2-vl-7b-instruct:vlm:loaded', 'gemma-3-4b:vlm:loaded'
        Set-MsgcodeConfig lmstudio.visionModel gemma-3-4b
        $run = New-MsgcodeTask 'photo' -Runner vision -File $script:Png -Workspace (New-TestWorkspace) | Invoke-MsgcodeTask
        $run.Status | Should -Be 'succeeded'
        $run.Output | Should -Be 'saw 1 image(s) with gemma-3-4b: Describe this image and transcribe any text in it.'
    }

    It 'a vision model that is not loaded, or none at all, is VisionModelNotLoaded with the lms command to run, and nothing is sent' {
        Set-Models 'meta-llama-3.1-8b-instruct:llm:loaded', 'qwen2-vl-7b-instruct:vlm:not-loaded'
        $out = Invoke-MsgcodeRunner vision -File $script:Png -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'VisionModelNotLoaded,*'
        $out.ErrorMessage | Should -Match 'lms load qwen2-vl-7b-instruct'
        $env:MSGCODE_LMSTUDIO_VISION_MODEL = 'llava-1.6'
        try { (Invoke-MsgcodeRunner vision -File $script:Png -ErrorAction SilentlyContinue).ErrorCode | Should -Be 'VisionModelNotLoaded' }
        finally { $env:MSGCODE_LMSTUDIO_VISION_MODEL = $null }
        Set-Models 'meta-llama-3.1-8b-instruct:llm:loaded'
        (Invoke-MsgcodeRunner lmstudio 'x' -File $script:Png -ErrorAction SilentlyContinue).ErrorMessage | Should -Match 'no vision model'
        Get-ChatRequests | Should -BeNullOrEmpty
    }

    It 'a file lmstudio cannot take (audio) is RunnerInputUnsupported and nothing is sent; vision without a picture is RunnerInputMissing' {
        $audio = Join-Path $TestDrive 'note.m4a'
        Set-Content $audio 'not really audio'
        Invoke-MsgcodeRunner lmstudio 'listen' -File $audio -ErrorVariable e -ErrorAction SilentlyContinue | Out-Null
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunnerInputUnsupported,*'
        Get-Content $script:Requests -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Invoke-MsgcodeRunner vision 'what?' -ErrorAction SilentlyContinue).ErrorCode | Should -Be 'RunnerInputMissing'
    }
}

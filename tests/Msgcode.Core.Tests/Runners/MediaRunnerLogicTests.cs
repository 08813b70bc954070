using System.Text;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Runners;

namespace Msgcode.Core.Tests.Runners;

/// <summary>The pure logic of the media runners: which WAV needs no conversion, which engine and vision model are used.</summary>
public class MediaRunnerLogicTests
{
    private static byte[] Wav(ushort format, ushort channels, uint rate, ushort bits, bool listChunkFirst = false)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("RIFF"u8);
        writer.Write(0u);
        writer.Write("WAVE"u8);
        if (listChunkFirst)
        {
            writer.Write("LIST"u8);
            writer.Write(5u); // odd: padded to 6
            writer.Write(new byte[6]);
        }

        writer.Write("fmt "u8);
        writer.Write(16u);
        writer.Write(format);
        writer.Write(channels);
        writer.Write(rate);
        writer.Write(rate * channels * bits / 8u);
        writer.Write((ushort)(channels * bits / 8));
        writer.Write(bits);
        writer.Write("data"u8);
        writer.Write(0u);
        return stream.ToArray();
    }

    [Fact]
    public void Only_16_kHz_mono_16_bit_PCM_WAV_skips_the_conversion()
    {
        Assert.True(WavFormat.IsSpeechReady(Wav(1, 1, 16000, 16)));
        Assert.True(WavFormat.IsSpeechReady(Wav(1, 1, 16000, 16, listChunkFirst: true)));
        Assert.False(WavFormat.IsSpeechReady(Wav(1, 1, 22050, 16))); // espeak-ng's
        Assert.False(WavFormat.IsSpeechReady(Wav(1, 2, 16000, 16)));
        Assert.False(WavFormat.IsSpeechReady(Wav(3, 1, 16000, 32))); // float
        Assert.False(WavFormat.IsSpeechReady(Encoding.ASCII.GetBytes("caff....desc")));
        Assert.False(WavFormat.IsSpeechReady(Wav(1, 1, 16000, 16)[..20])); // cut inside fmt
    }

    private static ConfigReport Config(params (string Key, string Value)[] settings)
    {
        using var dir = new TempDir();
        var env = settings.ToDictionary(s => ConfigSchema.Find(s.Key)!.EnvironmentVariable, s => s.Value);
        return ConfigResolver.Resolve(new ConfigSources(new MsgcodeHome(dir.File("home")), null, env));
    }

    [Fact]
    public void Auto_takes_whisper_only_when_its_model_is_there_else_pocketsphinx()
    {
        using var dir = new TempDir();
        var model = dir.File("ggml-base.en.bin");
        File.WriteAllText(model, "m");
        string? Both(string name) => "/bin/" + name;

        var (engine, _) = AsrEngine.Choose(Config(("asr.whisperModel", model)), Both);
        Assert.Equal(AsrEngine.Whisper, engine!.Name);
        Assert.Equal(["-m", model, "-f", "a.wav", "-nt", "-np"], engine.Arguments("a.wav"));

        (engine, _) = AsrEngine.Choose(Config(), Both);
        Assert.Equal(AsrEngine.Pocketsphinx, engine!.Name);
        Assert.Equal("-infile", engine.Arguments("a.wav")[0]);

        (engine, _) = AsrEngine.Choose(Config(("asr.engine", "pocketsphinx"), ("asr.whisperModel", model)), Both);
        Assert.Equal(AsrEngine.Pocketsphinx, engine!.Name);
    }

    [Fact]
    public void A_missing_engine_or_model_is_RunnerUnavailable_with_what_to_do()
    {
        var (engine, failure) = AsrEngine.Choose(Config(("asr.engine", "whisper")), name => name == AsrEngine.WhisperProgram ? "/bin/whisper-cli" : null);
        Assert.Null(engine);
        Assert.Equal(ErrorIds.RunnerUnavailable, failure!.ErrorCode);
        Assert.Contains("asr.whisperModel", failure.ErrorMessage);

        (_, failure) = AsrEngine.Choose(Config(), _ => null);
        Assert.Equal(ErrorIds.RunnerUnavailable, failure!.ErrorCode);
        Assert.Contains("pocketsphinx-en-us", failure.ErrorMessage);
    }

    [Fact]
    public void The_transcript_joins_utterances_and_drops_whisper_markers()
    {
        Assert.Equal("the weather today is good hello", AsrEngine.Transcript(" the weather today is good\n\nhello \n"));
        Assert.Equal(string.Empty, AsrEngine.Transcript(" [BLANK_AUDIO]\n"));
    }

    [Fact]
    public void The_vision_model_is_a_loaded_vlm_or_the_named_one_when_loaded()
    {
        List<(string, string?, string?)> models =
            [("meta-llama-3.1-8b-instruct", "llm", "loaded"), ("qwen2-vl-7b-instruct", "vlm", "not-loaded"), ("gemma-3-4b", "vlm", "loaded")];
        Assert.Equal("gemma-3-4b", LmStudioVision.Choose(models, "auto").Model);
        Assert.Equal("gemma-3-4b", LmStudioVision.Choose(models, "gemma-3-4b").Model);
        var (model, failure) = LmStudioVision.Choose(models, "qwen2-vl-7b-instruct");
        Assert.Null(model);
        Assert.Equal(ErrorIds.VisionModelNotLoaded, failure!.ErrorCode);
        Assert.Contains("lms load qwen2-vl-7b-instruct", failure.ErrorMessage);
        Assert.Contains("lms load qwen2-vl-7b-instruct", LmStudioVision.Choose(models.Take(2).ToList(), "auto").Failure!.ErrorMessage);
        Assert.Equal(ErrorIds.VisionModelNotLoaded, LmStudioVision.Choose(models.Take(1).ToList(), "auto").Failure!.ErrorCode);
    }

    [Fact]
    public void Only_pictures_go_to_LM_Studio_and_agents_get_the_paths_after_the_prompt()
    {
        Assert.Equal("image/jpeg", RunnerFiles.ImageMediaType("/a/B.JPG"));
        Assert.Equal("image/webp", RunnerFiles.ImageMediaType("x.webp"));
        Assert.Null(RunnerFiles.ImageMediaType("note.m4a"));
        Assert.Equal(ErrorIds.RunnerInputUnsupported, LmStudioVision.CheckFiles(["/tmp/note.caf"])!.ErrorCode);
        Assert.Equal("do it", RunnerFiles.AppendToPrompt("do it", []));
        Assert.Equal("do it\n\nAttached files:\n- /a/x.png\n- /b/y.wav\n", RunnerFiles.AppendToPrompt("do it\n", ["/a/x.png", "/b/y.wav"]));
        Assert.Equal(["/a", "/b"], RunnerFiles.Folders(["/a/x.png", "/b/y.wav", "/a/z.png"]));
    }
}

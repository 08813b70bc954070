using Msgcode.Core.Channels;
using Msgcode.Core.Config;

namespace Msgcode.Core.Tests.Channels;

public class ChannelPolicyTests
{
    private static ConfigReport Config(params (string Name, string Value)[] variables)
    {
        using var dir = new TempDir();
        return ConfigResolver.Resolve(new ConfigSources(new MsgcodeHome(dir.Path), null, variables.ToDictionary(v => v.Name, v => v.Value)));
    }

    private static InboundMessage Message(string sender, bool group = false) => new() { Rowid = 1, ChatGuid = "c", Sender = sender, IsGroup = group, Text = "hi" };

    [Fact]
    public void Only_whitelisted_senders_are_served()
    {
        var config = Config(("MY_EMAIL", "Me@Example.com"), ("MY_PHONE", "+1 (555) 123-4567"));
        Assert.True(SenderPolicy.IsAllowed(config, Message("me@example.com"), out _));
        Assert.True(SenderPolicy.IsAllowed(config, Message("+15551234567"), out _));
        Assert.False(SenderPolicy.IsAllowed(config, Message("other@example.com"), out var reason));
        Assert.Equal("not whitelisted", reason);
        Assert.False(SenderPolicy.IsAllowed(Config(), Message("me@example.com"), out var empty));
        Assert.Equal("whitelist empty", empty);
    }

    [Theory]
    [InlineData("+4915551234567", false)] // ends with the whitelisted digits, but another country's number
    [InlineData("+15551234567", true)]
    [InlineData("5551234567", true)] // written without the country code
    [InlineData("+445551234567", false)]
    public void A_phone_number_matches_only_as_the_same_number(string sender, bool allowed)
    {
        var config = Config(("MY_PHONE", "+1 (555) 123-4567"));
        Assert.Equal(allowed, SenderPolicy.IsAllowed(config, Message(sender), out _));
        var national = Config(("MY_PHONE", "555 123 4567")); // a whitelist entry without a country code
        Assert.True(SenderPolicy.IsAllowed(national, Message("+15551234567"), out _));
        Assert.False(SenderPolicy.IsAllowed(national, Message("+4955512345671"), out _));
    }

    [Fact]
    public void Owner_only_mode_limits_groups_to_the_owners()
    {
        var config = Config(("MY_EMAIL", "me@example.com,friend@example.com"), ("MSGCODE_OWNER", "me@example.com"), ("MSGCODE_OWNER_ONLY_IN_GROUP", "true"));
        Assert.True(SenderPolicy.IsAllowed(config, Message("me@example.com", group: true), out _));
        Assert.False(SenderPolicy.IsAllowed(config, Message("friend@example.com", group: true), out var reason));
        Assert.Equal("owner only in groups", reason);
        Assert.True(SenderPolicy.IsAllowed(config, Message("friend@example.com", group: false), out _));
    }
}

public class ChannelResultTests
{
    [Fact]
    public void The_answer_wins_over_the_process_output_and_audio_goes_as_a_file()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("a"));
        File.WriteAllText(dir.File("a/output.txt"), "{\"raw\":\"json\"}");
        File.WriteAllText(dir.File("a/answer.txt"), " the answer \n");
        File.WriteAllText(dir.File("a/errors.txt"), "noise");
        File.WriteAllBytes(dir.File("a/speech.wav"), [1, 2, 3]);
        var (text, file) = ChatReplies.ComposeResult(dir.Path, ["a/output.txt", "a/errors.txt", "a/answer.txt", dir.File("a/speech.wav"), "a/gone.txt"], 4000);
        Assert.Equal("the answer", text);
        Assert.Equal(dir.File("a/speech.wav"), file);

        var (only, none) = ChatReplies.ComposeResult(dir.Path, ["a/output.txt"], 5);
        Assert.Equal("{\"ra…", only);
        Assert.Null(none);
    }
}

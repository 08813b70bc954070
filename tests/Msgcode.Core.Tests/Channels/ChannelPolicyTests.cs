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
        var config = Config(("MSGCODE_MY_EMAIL", "Me@Example.com"), ("MSGCODE_MY_PHONE", "+1 (555) 123-4567"));
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
        var config = Config(("MSGCODE_MY_PHONE", "+1 (555) 123-4567"));
        Assert.Equal(allowed, SenderPolicy.IsAllowed(config, Message(sender), out _));
        var national = Config(("MSGCODE_MY_PHONE", "555 123 4567")); // a whitelist entry without a country code
        Assert.True(SenderPolicy.IsAllowed(national, Message("+15551234567"), out _));
        Assert.False(SenderPolicy.IsAllowed(national, Message("+4955512345671"), out _));
    }

    [Fact]
    public void Owner_only_mode_limits_groups_to_the_owners()
    {
        var config = Config(("MSGCODE_MY_EMAIL", "me@example.com,friend@example.com"), ("MSGCODE_OWNER", "me@example.com"), ("MSGCODE_OWNER_ONLY_IN_GROUP", "true"));
        Assert.True(SenderPolicy.IsAllowed(config, Message("me@example.com", group: true), out _));
        Assert.False(SenderPolicy.IsAllowed(config, Message("friend@example.com", group: true), out var reason));
        Assert.Equal("owner only in groups", reason);
        Assert.True(SenderPolicy.IsAllowed(config, Message("friend@example.com", group: false), out _));
    }

    [Fact]
    public void Owners_and_whitelist_keys_are_matched_as_handles_are()
    {
        var config = Config(("MSGCODE_MY_EMAIL", "me@example.com"), ("MSGCODE_MY_PHONE", "+1 555 123 4567"), ("MSGCODE_OWNER", "Me@Example.com"));
        Assert.True(SenderPolicy.IsOwner(config, "me@example.com"));
        Assert.False(SenderPolicy.IsOwner(config, "+15551234567"));
        Assert.Equal("whitelist.phones", SenderPolicy.WhitelistKeyOf(config, "+15551234567"));
        Assert.Equal("whitelist.emails", SenderPolicy.WhitelistKeyOf(config, "ME@example.com"));
        Assert.Null(SenderPolicy.WhitelistKeyOf(config, "stranger@example.com"));
        Assert.True(SenderPolicy.SameHandle("5551234567", "+1 555 123 4567"));
        Assert.False(SenderPolicy.SameHandle("you@example.com", "me@example.com"));
    }

    [Fact]
    public void The_explanation_names_the_environment_variable_that_decides()
    {
        using var dir = new TempDir();
        var home = new MsgcodeHome(dir.Path);
        var environment = new Dictionary<string, string> { ["MSGCODE_MY_EMAIL"] = "me@example.com", ["MSGCODE_OWNER_ONLY_IN_GROUP"] = "1" };
        var served = EffectiveStates.ForChat(home, "iMessage;-;me@example.com", "me@example.com", environment);
        Assert.True(served.Served);
        Assert.False(served.IsGroup);
        Assert.Equal("served: me@example.com is in whitelist.emails (environment variable MSGCODE_MY_EMAIL); the chat is not bound, so a message gets the /bind hint", served.Reason);
        var refused = EffectiveStates.ForChat(home, "iMessage;+;chat0042", "me@example.com", environment);
        Assert.False(refused.Served);
        Assert.StartsWith("refused: this is a group chat, owner-only in groups is on (environment variable MSGCODE_OWNER_ONLY_IN_GROUP)", refused.Reason);
        Assert.Empty(refused.Problems);
        Assert.False(File.Exists(home.StateFile)); // explaining writes nothing
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

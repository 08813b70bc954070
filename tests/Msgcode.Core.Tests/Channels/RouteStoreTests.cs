using Msgcode.Core.Channels;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Tests.Channels;

public class RouteStoreTests
{
    [Theory]
    [InlineData("acme", "acme")]
    [InlineData("clients/acme", "clients/acme")]
    [InlineData(" acme ", "acme")]
    public void Bind_paths_stay_under_the_root(string relative, string expected)
    {
        using var dir = new TempDir();
        Assert.Equal(Path.Combine(dir.Path, expected), RouteStore.ResolveBindPath(dir.Path, relative));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("~/x")]
    [InlineData("/etc")]
    [InlineData("")]
    [InlineData(".")]
    public void Bind_paths_that_escape_are_refused(string relative)
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<MsgcodeException>(() => RouteStore.ResolveBindPath(dir.Path, relative));
        Assert.Equal(ErrorIds.RoutePathInvalid, ex.ErrorId);
    }

    [Fact]
    public void Chats_whose_ids_share_an_ending_are_different_chats()
    {
        using var dir = new TempDir();
        var store = new RouteStore(new MsgcodeHome(dir.Path));
        var first = Directory.CreateDirectory(dir.File("first")).FullName;
        var second = Directory.CreateDirectory(dir.File("second")).FullName;
        store.Bind("iMessage;-;+14155551234", first);
        Assert.Null(store.Find("iMessage;-;+13155551234")); // a message from the other number has no route
        store.Bind("iMessage;-;+13155551234", second);
        Assert.Equal(2, store.List().Count);
        Assert.Equal(first, store.Find("iMessage;-;+14155551234")!.Workspace);
        Assert.Equal(second, store.Find("any;-;+13155551234")!.Workspace); // the same chat by its normalized id
        Assert.Null(store.FindTyped("55551234")); // typed ending, not unique
        Assert.Equal(first, store.Get("+14155551234").Workspace);
        store.Bind("iMessage;+;chat0123456789abcdef", first);
        Assert.Equal("iMessage;+;chat0123456789abcdef", store.Get("89abcdef").ChatGuid); // a unique typed ending
    }

    [Fact]
    public void Reply_settings_are_kept_across_a_rebind_and_an_unknown_way_to_reply_is_refused()
    {
        using var dir = new TempDir();
        var store = new RouteStore(new MsgcodeHome(dir.Path));
        var ex = Assert.Throws<MsgcodeException>(() => store.Bind("any;-;+15550001", dir.Path, voiceReply: "shout"));
        Assert.Equal(ErrorIds.RouteVoiceReplyInvalid, ex.ErrorId);
        Assert.False(File.Exists(dir.File("routes.json")));
        store.Bind("any;-;+15550001", dir.Path, voiceReply: VoiceReplyModes.Both, showTranscript: true);
        var rebound = store.Bind("any;-;+15550001", dir.Path, label: "renamed");
        Assert.Equal(VoiceReplyModes.Both, rebound.VoiceReply);
        Assert.True(rebound.ShowTranscript);
        var plain = store.Bind("any;-;+15550001", dir.Path, voiceReply: VoiceReplyModes.Text, showTranscript: false);
        Assert.Null(plain.VoiceReply); // text is the default, not stored
        Assert.Null(plain.ShowTranscript);
        Assert.DoesNotContain("voiceReplyMode", File.ReadAllText(dir.File("routes.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_workspace_or_an_unknown_status_is_refused_with_its_id_and_changes_nothing()
    {
        using var dir = new TempDir();
        var store = new RouteStore(new MsgcodeHome(dir.Path));
        Assert.Equal(ErrorIds.RoutePathInvalid, Assert.Throws<MsgcodeException>(() => store.Bind("any;-;+15550001", "relative/ws")).ErrorId);
        Assert.Equal(ErrorIds.RouteStatusInvalid, Assert.Throws<MsgcodeException>(() => store.Bind("any;-;+15550001", dir.Path, status: "sleeping")).ErrorId);
        Assert.False(File.Exists(dir.File("routes.json")));
        store.Bind("any;-;+15550001", dir.Path);
        Assert.Equal(ErrorIds.RouteStatusInvalid, Assert.Throws<MsgcodeException>(() => store.SetStatus("any;-;+15550001", "gone")).ErrorId);
        Assert.Equal(RouteStatuses.Active, store.Get("any;-;+15550001").Status);
    }

    [Fact]
    public void A_chat_runner_is_set_and_cleared_and_an_unknown_chat_is_RouteNotFound()
    {
        using var dir = new TempDir();
        var store = new RouteStore(new MsgcodeHome(dir.Path));
        store.Bind("iMessage;+;chat1", dir.Path, runner: "shell");
        Assert.Equal("pwsh", store.SetRunner("iMessage;+;chat1", "pwsh").Runner);
        Assert.Null(store.SetRunner("iMessage;+;chat1", null).Runner);
        Assert.Null(store.Find("iMessage;+;chat1")!.Runner);
        Assert.Equal(ErrorIds.RouteNotFound, Assert.Throws<MsgcodeException>(() => store.SetRunner("iMessage;+;other", "pwsh")).ErrorId);
    }

    [Fact]
    public void Routes_round_trip_and_archive_keeps_the_entry()
    {
        using var dir = new TempDir();
        var store = new RouteStore(new MsgcodeHome(dir.Path));
        var ws = Directory.CreateDirectory(dir.File("ws")).FullName;
        store.Bind("any;+;0123456789abcdef0123456789abcdef", ws, runner: "shell");
        Assert.Equal("shell", store.Get("0123456789abcdef0123456789abcdef").Runner);
        Assert.Equal(RouteStatuses.Archived, store.SetStatus("any;+;0123456789abcdef0123456789abcdef", RouteStatuses.Archived).Status);
        Assert.Single(store.List());
        Assert.True(RouteStore.IsGroupChat("any;+;0123456789abcdef0123456789abcdef"));
        Assert.False(RouteStore.IsGroupChat("iMessage;-;+15551234567"));
        Assert.Equal(ErrorIds.RouteNotFound, Assert.Throws<MsgcodeException>(() => store.Get("other")).ErrorId);
    }
    [Fact]
    public void Fields_this_version_does_not_know_are_written_back_as_they_were()
    {
        using var dir = new TempDir();
        var home = new MsgcodeHome(dir.Path);
        var ws = Directory.CreateDirectory(dir.File("ws")).FullName.Replace("\\", "\\\\", StringComparison.Ordinal);
        File.WriteAllText(home.RoutesFile, $$"""
            { "version": 1, "note": "kept", "routes": { "any;-;+15550001": { "chatGuid": "any;-;+15550001", "workspacePath": "{{ws}}",
              "label": "mine", "status": "active", "color": "blue", "nested": { "a": 1 } } } }
            """);
        var store = new RouteStore(home);
        store.SetStatus("any;-;+15550001", RouteStatuses.Paused);
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(home.RoutesFile))!;
        Assert.Equal("kept", (string?)root["note"]);
        var entry = root["routes"]!["any;-;+15550001"]!;
        Assert.Equal("blue", (string?)entry["color"]);
        Assert.Equal(1, (int?)entry["nested"]!["a"]);
        Assert.Equal("paused", (string?)entry["status"]);
        Assert.Equal("mine", (string?)entry["label"]);
    }

    [Theory]
    [InlineData("""{ "version": 1, "routes": [] }""")]
    [InlineData("""{ "version": 1, "routes": "none" }""")]
    [InlineData("""{ "version": 1, "routes": { "any;-;+15550001": 42 } }""")]
    [InlineData("""{ "version": 1, "routes": {}, "routes": {} }""")]
    public void A_routes_file_of_the_wrong_shape_is_reported_and_never_written_over(string text)
    {
        using var dir = new TempDir();
        var home = new MsgcodeHome(dir.Path);
        File.WriteAllText(home.RoutesFile, text);
        var store = new RouteStore(home);
        Assert.Equal(ErrorIds.RoutesFileCorrupt, Assert.Throws<MsgcodeException>(() => store.List()).ErrorId);
        Assert.Equal(ErrorIds.RoutesFileCorrupt, Assert.Throws<MsgcodeException>(() => store.Bind("any;-;+15550002", dir.Path)).ErrorId);
        Assert.Equal(text, File.ReadAllText(home.RoutesFile));
    }

    [Fact]
    public void Set_keeps_a_paused_route_paused_unless_it_moves_and_needs_a_workspace_for_a_new_chat()
    {
        using var dir = new TempDir();
        var store = new RouteStore(new MsgcodeHome(dir.Path));
        var ws = Directory.CreateDirectory(dir.File("ws")).FullName;
        var other = Directory.CreateDirectory(dir.File("other")).FullName;
        Assert.Equal(ErrorIds.RouteNotFound, Assert.Throws<MsgcodeException>(() => store.PlanSet("any;-;+15550001", null, null)).ErrorId);
        Assert.Equal(("any;-;+15550001", ws, (string?)null), store.PlanSet("any;-;+15550001", ws, null));

        store.Bind("any;-;+15550001", ws, status: RouteStatuses.Paused);
        Assert.Equal(("any;-;+15550001", ws, (string?)RouteStatuses.Paused), store.PlanSet("15550001", null, null)); // by its ending, same place: stays paused
        Assert.Equal(("any;-;+15550001", other, (string?)null), store.PlanSet("any;-;+15550001", other, null)); // moved: active again
        Assert.Equal(("any;-;+15550001", ws, (string?)RouteStatuses.Active), store.PlanSet("any;-;+15550001", null, RouteStatuses.Active));
    }
}

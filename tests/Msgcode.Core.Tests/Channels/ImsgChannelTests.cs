using System.Text.Json;
using Msgcode.Core.Channels;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Tests.Channels;

/// <summary>The imsg channel against the stand-in imsg (tests/Fixtures/imsg-standin.py), a real child process.</summary>
public sealed class ImsgChannelTests : IDisposable
{
    private readonly TempDir _dir = new();

    public ImsgChannelTests()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Msgcode.PowerShell.sln")))
        {
            root = Path.GetDirectoryName(root)!;
        }

        Script = Path.Combine(root, "tests", "Fixtures", "imsg-standin.py");
        Imsg = _dir.File("imsg");
        File.WriteAllText(Imsg, $"#!/bin/sh\nexec python3 '{Script}' \"$@\" --dir '{_dir.Path}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Imsg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string Script { get; }

    private string Imsg { get; }

    /// <summary>The stand-in is a python3 script: without python3 (or on Windows) these tests have nothing to run.</summary>
    private static bool CanStandIn => !OperatingSystem.IsWindows()
        && (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "python3")));

    public void Dispose() => _dir.Dispose();

    private void AddMessages(params long[] rowids) => File.AppendAllLines(_dir.File("messages.jsonl"), rowids.Select(r => JsonSerializer.Serialize(new
    {
        id = r, chat_id = 7, guid = $"g{r}", sender = "me@example.com", is_from_me = false, text = $"hello {r}",
        created_at = DateTimeOffset.UtcNow.ToString("O"), chat_guid = "iMessage;+;chat7", is_group = true,
    })));

    private static async Task<bool> WaitFor(Func<bool> condition, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }

    [SkippableFact]
    public async Task Delivers_in_order_drops_duplicates_sends_and_resubscribes_from_the_cursor_after_a_crash()
    {
        Skip.IfNot(CanStandIn, "the stand-in imsg needs python3 (and a Unix)");

        AddMessages(1, 2, 3);
        var received = new List<long>();
        long cursor = 0;
        await using var channel = new ImsgChannel(new ImsgChannelOptions { ImsgPath = Imsg, MinBackoff = TimeSpan.FromMilliseconds(100) });
        await channel.StartAsync(
            () => cursor > 0 ? new SubscriptionStart(cursor, null) : new SubscriptionStart(null, DateTimeOffset.UtcNow.AddMinutes(-1)),
            m =>
            {
                lock (received)
                {
                    received.Add(m.Rowid);
                    cursor = m.Rowid;
                }

                return Task.CompletedTask;
            },
            CancellationToken.None);
        Assert.True(await WaitFor(() => { lock (received) { return received.Count >= 3; } }));
        await channel.SendAsync("iMessage;+;chat7", "reply", null, CancellationToken.None);
        var send = JsonDocument.Parse(File.ReadAllLines(_dir.File("sends.jsonl")).Single()).RootElement;
        Assert.Equal("iMessage;+;chat7", send.GetProperty("chat_guid").GetString());

        // Kill imsg: the channel restarts it and subscribes from the cursor, so nothing is delivered twice.
        var pid = int.Parse(File.ReadAllLines(_dir.File("pids.txt")).Last());
        System.Diagnostics.Process.GetProcessById(pid).Kill();
        Assert.True(await WaitFor(() => File.ReadAllLines(_dir.File("pids.txt")).Length >= 2 && channel.IsConnected));
        AddMessages(4, 5);
        Assert.True(await WaitFor(() => { lock (received) { return received.Count >= 5; } }));
        await Task.Delay(200);
        lock (received)
        {
            Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, received);
        }

        Assert.True(channel.DuplicatesDropped >= 3);
        var subscribes = File.ReadAllLines(_dir.File("requests.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).Where(r => r.GetProperty("method").GetString() == "watch.subscribe").ToList();
        Assert.True(subscribes[0].GetProperty("params").TryGetProperty("start", out _));
        Assert.Equal(3, subscribes[1].GetProperty("params").GetProperty("since_rowid").GetInt64());
    }

    [SkippableFact]
    public async Task Lists_chats_and_reads_a_chats_history_with_its_own_sends()
    {
        Skip.IfNot(CanStandIn, "the stand-in imsg needs python3 (and a Unix)");

        AddMessages(1);
        await using var channel = new ImsgChannel(new ImsgChannelOptions { ImsgPath = Imsg });
        await channel.StartAsync(() => new SubscriptionStart(10, null), _ => Task.CompletedTask, CancellationToken.None);
        await Task.Delay(50); // the scripted message is older than what follows
        var before = DateTimeOffset.UtcNow;
        await channel.SendAsync("iMessage;+;chat7", "the answer", null, CancellationToken.None);
        await channel.SendAsync("iMessage;-;someone", "elsewhere", _dir.File("messages.jsonl"), CancellationToken.None);

        var chats = await channel.ListChatsAsync(10, CancellationToken.None);
        var chat = Assert.Single(chats, c => c.Is("iMessage;+;chat7"));
        Assert.Equal(7, chat.Id);
        Assert.True(chat.IsGroup);
        Assert.Contains("me@example.com", chat.Participants);
        Assert.NotNull(chat.LastMessageAt);
        var other = Assert.Single(chats, c => c.Guid == "iMessage;-;someone");
        Assert.False(other.IsGroup);

        var history = await channel.HistoryAsync(chat.Id, 10, null, CancellationToken.None);
        Assert.Equal(new[] { "the answer", "hello 1" }, history.Select(m => m.Text));
        Assert.True(history[0].IsFromMe);
        Assert.False(history[1].IsFromMe);
        Assert.Equal("iMessage;+;chat7", history[0].ChatGuid);
        Assert.Equal("the answer", Assert.Single(await channel.HistoryAsync(chat.Id, 10, before, CancellationToken.None)).Text);
        var withFile = await channel.HistoryAsync(other.Id, 10, before, CancellationToken.None);
        Assert.Equal(2, withFile.Count); // the text and the file, as two messages
        Assert.Single(withFile, m => m.Attachments.Count == 1 && m.IsFromMe);
        var request = File.ReadAllLines(_dir.File("requests.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).Last(r => r.GetProperty("method").GetString() == "messages.history");
        Assert.True(request.GetProperty("params").GetProperty("attachments").GetBoolean());
        Assert.EndsWith("Z", request.GetProperty("params").GetProperty("start").GetString());
    }

    [SkippableFact]
    public async Task A_request_imsg_does_not_answer_times_out()
    {
        Skip.IfNot(CanStandIn, "the stand-in imsg needs python3 (and a Unix)");

        File.WriteAllText(_dir.File("options.json"), "{\"noAnswer\":[\"send\"]}");
        await using var channel = new ImsgChannel(new ImsgChannelOptions { ImsgPath = Imsg, RequestTimeout = TimeSpan.FromMilliseconds(1500) });
        await channel.StartAsync(() => new SubscriptionStart(10, null), _ => Task.CompletedTask, CancellationToken.None);
        // Connected first (a loaded machine may take longer than the request timeout to start the stand-in; then
        // the request would fail as ImsgUnavailable, which is another test's case): only the answer is missing.
        for (var waited = 0; !channel.IsConnected && waited < 30_000; waited += 50)
        {
            await Task.Delay(50);
        }

        Assert.True(channel.IsConnected);
        var ex = await Assert.ThrowsAsync<MsgcodeException>(() => channel.SendAsync("c", "t", null, CancellationToken.None));
        Assert.Equal(ErrorIds.ImsgRequestFailed, ex.ErrorId);
    }

    [Fact]
    public async Task A_missing_imsg_is_reported()
    {
        await using var channel = new ImsgChannel(new ImsgChannelOptions { ImsgPath = _dir.File("no-such-imsg") });
        var ex = await Assert.ThrowsAsync<MsgcodeException>(() => channel.StartAsync(() => default, _ => Task.CompletedTask, CancellationToken.None));
        Assert.Equal(ErrorIds.ImsgUnavailable, ex.ErrorId);
        Assert.Null(ImsgChannel.ProbeVersion(_dir.File("no-such-imsg"), TimeSpan.FromSeconds(2)));
        if (CanStandIn)
        {
            Assert.StartsWith("imsg 0.4.0", ImsgChannel.ProbeVersion(Imsg, TimeSpan.FromSeconds(10)));
        }
    }

    [Fact]
    public void Cursors_only_move_forward_and_keep_the_config_section()
    {
        var home = new MsgcodeHome(_dir.Path);
        File.WriteAllText(home.StateFile, "{\"version\":1,\"config\":{\"log.level\":\"debug\"}}");
        var cursors = new ChatCursorStore(home);
        Assert.Null(cursors.MaxRowid());
        Assert.True(cursors.Advance("a", 5));
        Assert.False(cursors.Advance("a", 4));
        Assert.False(cursors.Advance("a", 5));
        Assert.True(cursors.Advance("b", 9));
        Assert.False(cursors.Advance("0", 10));
        Assert.Equal(5, cursors.ReadAll()["a"].LastSeenRowid);
        Assert.Equal(9, cursors.MaxRowid());
        Assert.Equal("debug", ConfigResolver.Resolve(new ConfigSources(home)).GetString("log.level"));
    }

    [Fact]
    public void A_kept_mark_keeps_the_oldest_row_id_and_goes_once_the_cursor_passes_it()
    {
        var home = new MsgcodeHome(_dir.Path);
        var cursors = new ChatCursorStore(home);
        Assert.True(cursors.Advance("a", 3));
        Assert.True(cursors.Keep("a", 5));
        Assert.False(cursors.Keep("a", 6));
        Assert.True(cursors.Keep("b", 7)); // a chat without a cursor yet
        Assert.Equal(5, cursors.ReadAll()["a"].KeptFromRowid);
        Assert.Equal(3, cursors.ReadAll()["a"].LastSeenRowid);
        Assert.Equal(0, cursors.ReadAll()["b"].LastSeenRowid);
        Assert.True(cursors.Advance("a", 4));
        Assert.Equal(5, cursors.ReadAll()["a"].KeptFromRowid); // still before it
        Assert.True(cursors.Advance("a", 5));
        Assert.Null(cursors.ReadAll()["a"].KeptFromRowid);
        Assert.True(cursors.Advance("c", 9));
        Assert.True(cursors.Keep("c", 8)); // kept behind a cursor already past it (a later message written first)
        Assert.False(cursors.Advance("c", 8)); // not forward, but the mark goes
        Assert.Null(cursors.ReadAll()["c"].KeptFromRowid);
        Assert.Equal(9, cursors.MaxRowid());
    }
}

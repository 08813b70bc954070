using Msgcode.Core.Errors;
using Msgcode.Core.Memory;

namespace Msgcode.Core.Tests.Memory;

public class MemoryStoreTests
{
    /// <summary>A clock that stands still in UTC until moved.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }

    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 30, 5, TimeSpan.Zero);

    [Fact]
    public void Add_appends_a_readable_section_to_todays_file()
    {
        using var dir = new TempDir();
        var clock = new FixedClock(Noon);
        var store = new MemoryStore(dir.Path, clock);

        var first = store.Add("The staging database is on port 5433.", ["db", "#staging"], "chat");
        clock.Now = Noon.AddMinutes(1);
        var second = store.Add("## not a heading\nsecond note");

        var file = Path.Combine(dir.Path, "memory", "2026-11-25.md");
        Assert.Equal(file, first.File);
        Assert.Equal("2026-11-25", first.Date);
        Assert.Equal("12:30:05", first.Time);
        Assert.Equal(["db", "staging"], first.Tags);
        Assert.Equal("chat", first.Source);
        var lines = File.ReadAllLines(file);
        Assert.Equal("# Memory 2026-11-25", lines[0]);
        Assert.Equal("## 12:30:05 · #db #staging · via chat", lines[first.Line - 1]);
        Assert.Equal("## 12:31:05", lines[second.Line - 1]);
        Assert.Contains("\\## not a heading", lines);

        var hits = store.Search("heading");
        var hit = Assert.Single(hits);
        Assert.Equal("## not a heading\nsecond note", hit.Text);
        Assert.Equal(second.Line, hit.Line);
        Assert.Equal("12:31:05", hit.Time);

        // Another day's note: still one lock file for the folder, none per day file.
        clock.Now = Noon.AddDays(1);
        store.Add("a note of the next day");
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "memory"), "*.md.lock"));
        Assert.True(File.Exists(Path.Combine(dir.Path, "memory", MemoryStore.NotesLockName)));
    }

    [Fact]
    public void Ranking_puts_the_most_relevant_note_first()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path, new FixedClock(Noon));
        store.Add("We talked about lunch and the weather, and briefly about the deploy.");
        store.Add("Deploy checklist: run migrations, then deploy the web tier, then verify the deploy.");
        store.Add("Nothing related at all.");

        var hits = store.Search("deploy");
        Assert.Equal(2, hits.Count);
        Assert.StartsWith("Deploy checklist", hits[0].Text, StringComparison.Ordinal);
        Assert.True(hits[0].Score > hits[1].Score);

        // All words must match by default; OR widens.
        Assert.Single(store.Search("deploy weather"));
        Assert.Equal(2, store.Search("weather OR migrations").Count);
        Assert.Empty(store.Search("deploy -deploy"));
        Assert.Single(store.Search("\"verify the deploy\""));
        Assert.Single(store.Search("migrat*"));
        Assert.Single(store.Search("deploy", top: 1));
    }

    [Fact]
    public void Chinese_substrings_match()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path, new FixedClock(Noon));
        store.Add("明天下午三点和产品经理讨论数据库设计方案。", ["会议"]);
        store.Add("我喜欢小猫咪。");
        store.Add("English only note about databases.");

        Assert.Contains("数据库设计", Assert.Single(store.Search("数据库")).Text, StringComparison.Ordinal);
        Assert.Single(store.Search("库设"));
        Assert.Single(store.Search("产品经理 数据库"));
        Assert.Single(store.Search("猫"));
        Assert.Single(store.Search("会议"));
        Assert.Single(store.Search("tags:会议"));
        Assert.Empty(store.Search("数据湖"));
        Assert.Single(store.Search("ＤＡＴＡＢＡＳＥＳ")); // full-width folds to ASCII
    }

    [Fact]
    public void Since_keeps_only_recent_notes()
    {
        using var dir = new TempDir();
        var clock = new FixedClock(Noon.AddDays(-10));
        var store = new MemoryStore(dir.Path, clock);
        store.Add("old invoice");
        clock.Now = Noon;
        store.Add("new invoice");

        Assert.Equal(2, store.Search("invoice").Count);
        var recent = Assert.Single(store.Search("invoice", since: new DateOnly(2026, 11, 20)));
        Assert.Equal("new invoice", recent.Text);
        Assert.Equal("new invoice", store.Search("invoice")[0].Text); // equal scores: newest first
    }

    [Fact]
    public void Hand_edits_are_picked_up_and_odd_markdown_never_fails()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path, new FixedClock(Noon));
        store.Add("first kiwi note");
        Assert.Single(store.Search("kiwi"));

        var memory = Path.Combine(dir.Path, "memory");
        File.WriteAllText(Path.Combine(memory, "2026-01-02.md"),
            "stray preamble about mango\r\n\r\n## Meeting notes\nmango plan\n### sub heading\n```\n## inside a fence mango\n```\n## 9:05 #fruit\n\nbanana mango\n##\n#### deep\n\n\n## 25:99 weird time mango\n");
        File.WriteAllBytes(Path.Combine(memory, "2026-01-03.md"), [0xFF, 0xFE, 0x00, 0x41, 0x0A, 0xC3]);
        File.WriteAllText(Path.Combine(memory, "notes.md"), "## 10:00\nmango in a file that is not a day file\n");

        var hits = store.Search("mango");
        Assert.Equal(4, hits.Count);
        Assert.Contains(hits, h => h.Heading is null && h.Text == "stray preamble about mango" && h.Line == 1);
        var meeting = Assert.Single(hits, h => h.Heading == "Meeting notes");
        Assert.Contains("## inside a fence mango", meeting.Text, StringComparison.Ordinal);
        Assert.Equal(3, meeting.Line);
        var timed = Assert.Single(hits, h => h.Time == "09:05:00");
        Assert.Equal(["fruit"], timed.Tags);
        Assert.Single(hits, h => h.Heading == "25:99 weird time mango" && h.Time is null);

        // A hand edit of today's file (same length is enough to be seen: the write time changes).
        var today = Path.Combine(memory, "2026-11-25.md");
        File.WriteAllText(today, File.ReadAllText(today).Replace("kiwi", "lime", StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(today, DateTime.UtcNow.AddMinutes(1));
        Assert.Empty(store.Search("kiwi"));
        Assert.Single(store.Search("lime"));

        // Deleting a file removes its notes.
        File.Delete(Path.Combine(memory, "2026-01-02.md"));
        Assert.Empty(store.Search("mango"));
    }

    [Fact]
    public void An_unclosed_fence_left_by_a_hand_edit_does_not_swallow_new_notes()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path, new FixedClock(Noon));
        store.Add("before");
        var file = Path.Combine(dir.Path, "memory", "2026-11-25.md");
        File.AppendAllText(file, "\n```\nunclosed code\n");
        store.Add("after the fence: papaya");
        Assert.Single(store.Search("papaya"));
        store.Add("```\ncode in a note\n");
        store.Add("guava");
        Assert.Single(store.Search("guava"));
    }

    [Fact]
    public void Appending_keeps_the_bytes_of_a_hand_edited_file_exactly()
    {
        using var dir = new TempDir();
        var memory = Path.Combine(dir.Path, "memory");
        Directory.CreateDirectory(memory);
        var file = Path.Combine(memory, "2026-11-25.md");
        // A BOM, CRLF line endings, and bytes that are not UTF-8 (GBK for 数据), without a final newline.
        byte[] original = [0xEF, 0xBB, 0xBF, .. "# Memory\r\n\r\n## 08:00\r\n\r\nold "u8, 0xCA, 0xFD, 0xBE, 0xDD];
        File.WriteAllBytes(file, original);
        var store = new MemoryStore(dir.Path, new FixedClock(Noon));

        var entry = store.Add("line one\nline two");

        var bytes = File.ReadAllBytes(file);
        Assert.Equal(original, bytes[..original.Length]);
        var added = System.Text.Encoding.UTF8.GetString(bytes[original.Length..]);
        Assert.Equal("\r\n\r\n## 12:30:05\r\n\r\nline one\r\nline two\r\n", added);
        Assert.Equal("## 12:30:05", File.ReadAllLines(file)[entry.Line - 1]);
        var hit = Assert.Single(store.Search("two"));
        Assert.Equal("line one\nline two", hit.Text);
        Assert.Equal(entry.Line, hit.Line);
    }

    [Fact]
    public void A_deleted_or_corrupt_index_is_rebuilt_without_an_error()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path, new FixedClock(Noon));
        store.Add("pineapple on pizza");
        Assert.Single(store.Search("pineapple"));
        var index = MemoryPaths.IndexDirectory(dir.Path);
        Assert.True(Directory.Exists(index));
        Assert.Contains("*", File.ReadAllLines(Path.Combine(index, ".gitignore"))); // the cache stays out of git
        Assert.False(store.LastSearchRebuiltIndex);

        Directory.Delete(index, recursive: true);
        Assert.Single(store.Search("pineapple"));

        foreach (var file in Directory.GetFiles(index).Where(f => !f.EndsWith(".gitignore", StringComparison.Ordinal)))
        {
            File.WriteAllBytes(file, [1, 2, 3, 4, 5]);
        }

        Assert.Single(store.Search("pineapple"));
        Assert.True(store.LastSearchRebuiltIndex);

        foreach (var file in Directory.GetFiles(index).Where(f => !Path.GetFileName(f).StartsWith("segments", StringComparison.Ordinal)))
        {
            File.Delete(file);
        }

        Assert.Single(store.Search("pineapple"));

        Directory.Delete(index, recursive: true);
        File.WriteAllText(index, "a file where the index folder belongs");
        Assert.Single(store.Search("pineapple"));

        store.RebuildIndex();
        Assert.True(Directory.Exists(index));
        Assert.Single(store.Search("pineapple"));
        Assert.False(store.LastSearchRebuiltIndex);
    }

    [Fact]
    public void A_folder_that_cannot_hold_an_index_is_searched_through_one_in_memory()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path, new FixedClock(Noon));
        store.Add("quince jelly");
        Directory.CreateDirectory(Path.Combine(dir.Path, "memory", ".index.lock")); // the lock file cannot be created

        Assert.Single(store.Search("quince"));
        Assert.True(store.LastSearchRebuiltIndex);
        Assert.False(Directory.Exists(MemoryPaths.IndexDirectory(dir.Path)));
    }

    [Fact]
    public void Hostile_queries_never_throw()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path, new FixedClock(Noon));
        store.Add("a note about C++ and (parentheses) and \"quotes\" and a:b");
        string[] hostile = ["(", ")", "\"", "\"unterminated", "a:", ":", "*", "*wild", "?", "~", "^", "[a TO", "{", "AND", "OR NOT", "!", "\\", "/", "/[/", "a~~~", "tags:", "-", "+", "&&", "||", "C++", "(parentheses", "a:b", new string('(', 5000), string.Join(' ', Enumerable.Repeat("x*", 2000)), "   ", ""];
        foreach (var query in hostile)
        {
            var ex = Record.Exception(() => store.Search(query));
            Assert.True(ex is null, $"query '{query[..Math.Min(query.Length, 20)]}' threw {ex}");
        }

        Assert.Single(store.Search("C++"));
        Assert.Single(store.Search("(parentheses"));
        Assert.Single(store.Search("\"quotes"));
    }

    [Fact]
    public void Bad_input_has_stable_error_ids()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path);
        Assert.Equal(ErrorIds.MemoryTextEmpty, Assert.Throws<MsgcodeException>(() => store.Add("  \r\n\t ")).ErrorId);
        Assert.Equal(ErrorIds.MemoryTagInvalid, Assert.Throws<MsgcodeException>(() => store.Add("x", ["two words"])).ErrorId);
        Assert.Equal(ErrorIds.MemoryTagInvalid, Assert.Throws<MsgcodeException>(() => store.Add("x", ["a·b"])).ErrorId);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "memory")));

        var missing = new MemoryStore(Path.Combine(dir.Path, "nope"));
        Assert.Equal(ErrorIds.WorkspaceNotFound, Assert.Throws<MsgcodeException>(() => missing.Add("x")).ErrorId);
        Assert.Equal(ErrorIds.WorkspaceNotFound, Assert.Throws<MsgcodeException>(() => missing.Search("x")).ErrorId);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "nope")));
        Assert.Null(MemoryStore.PromptContext(Path.Combine(dir.Path, "nope"), "x", 3, 2000));

        Assert.Empty(store.Search("anything")); // no memory folder yet, and searching creates none
        store.RebuildIndex();
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "memory")));
    }

    [Fact]
    public void Concurrent_appends_from_many_threads_lose_nothing()
    {
        using var dir = new TempDir();
        const int threads = 8;
        const int each = 25;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var store = new MemoryStore(dir.Path, new FixedClock(Noon));
            for (var i = 0; i < each; i++)
            {
                store.Add($"writer{t} note{i} marker\nsecond line of writer{t} note{i}");
            }
        });

        var text = File.ReadAllText(Path.Combine(dir.Path, "memory", "2026-11-25.md"));
        var notes = text.Split("\n## ").Skip(1).ToList();
        Assert.Equal(threads * each, notes.Count);
        for (var t = 0; t < threads; t++)
        {
            for (var i = 0; i < each; i++)
            {
                Assert.Single(notes, n => n.Contains($"writer{t} note{i} marker\nsecond line of writer{t} note{i}\n", StringComparison.Ordinal));
            }
        }

        Assert.Equal(threads * each, new MemoryStore(dir.Path).Search("marker", top: 1000).Count);
    }

    [Fact]
    public void Concurrent_searches_and_appends_agree()
    {
        using var dir = new TempDir();
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        Parallel.For(0, 4, t =>
        {
            try
            {
                var store = new MemoryStore(dir.Path, new FixedClock(Noon));
                for (var i = 0; i < 10; i++)
                {
                    store.Add($"racer {t}-{i}");
                    Assert.NotEmpty(store.Search("racer", top: 100));
                }
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        });
        Assert.Empty(errors);
        Assert.Equal(40, new MemoryStore(dir.Path).Search("racer", top: 100).Count);
    }

    [Fact]
    public void PromptContext_is_bounded_and_null_when_nothing_matches()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path, new FixedClock(Noon));
        Assert.Null(MemoryStore.PromptContext(dir.Path, "anything", 3, 2000)); // no memory yet
        store.Add("The VPN password rotates every Monday.");
        store.Add("Monday standup moved to 10:00.");
        store.Add(string.Join(' ', Enumerable.Repeat("Monday filler words", 400)));
        store.Add("周一的例会改到十点。");

        var context = MemoryStore.PromptContext(dir.Path, "When is the standup on Monday? (and the VPN)", 3, 2000);
        Assert.NotNull(context);
        Assert.True(context.Length <= 2000);
        Assert.Contains("standup", context, StringComparison.Ordinal);
        Assert.Equal(4, context.Split('\n').Length); // header + 3 notes

        // A long best match does not crowd out the others.
        var crowded = MemoryStore.PromptContext(dir.Path, "filler VPN standup", 3, 600);
        Assert.NotNull(crowded);
        Assert.True(crowded.Length <= 600);
        Assert.Contains("VPN", crowded, StringComparison.Ordinal);
        Assert.Contains("standup", crowded, StringComparison.Ordinal);
        Assert.Contains("filler", crowded, StringComparison.Ordinal);

        foreach (var max in new[] { 50, 100, 120, 300, 700 })
        {
            var bounded = MemoryStore.PromptContext(dir.Path, "Monday VPN standup", 5, max);
            Assert.True(bounded is null || bounded.Length <= max, $"{max}: {bounded?.Length}");
        }

        Assert.NotNull(MemoryStore.PromptContext(dir.Path, "Monday VPN standup", 5, 200));
        Assert.Single(MemoryStore.PromptContext(dir.Path, "Monday", 1, 2000)!.Split('\n').Skip(1));
        Assert.Contains("例会", MemoryStore.PromptContext(dir.Path, "例会几点开始？", 3, 2000), StringComparison.Ordinal);
        Assert.Null(MemoryStore.PromptContext(dir.Path, "zebra", 3, 2000));
        Assert.Null(MemoryStore.PromptContext(dir.Path, "the and of", 3, 2000));
        Assert.Null(MemoryStore.PromptContext(dir.Path, "Monday", 0, 2000));
        Assert.Null(MemoryStore.PromptContext(dir.Path, "Monday", 3, 10));
        Assert.Null(MemoryStore.PromptContext(dir.Path, "   ", 3, 2000));
    }

    [Fact]
    public void Snippets_are_one_line_around_the_match()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path, new FixedClock(Noon));
        store.Add(string.Join('\n', Enumerable.Repeat("padding line", 40)) + "\nthe needle is here\n" + string.Join('\n', Enumerable.Repeat("more padding", 40)));
        var hit = Assert.Single(store.Search("needle"));
        Assert.DoesNotContain('\n', hit.Snippet);
        Assert.Contains("needle", hit.Snippet, StringComparison.Ordinal);
        Assert.True(hit.Snippet.Length <= 170);
        Assert.StartsWith("…", hit.Snippet, StringComparison.Ordinal);
    }
}

public class MemoryInjectionTests
{
    [Fact]
    public void Injection_is_off_by_default_and_follows_the_workspace_settings()
    {
        using var dir = new TempDir();
        var ws = dir.File("ws");
        Directory.CreateDirectory(ws);
        new MemoryStore(ws).Add("The release train leaves on Thursday.");
        var home = new Msgcode.Core.Config.MsgcodeHome(dir.File("home"));
        Msgcode.Core.Config.ConfigSources Sources() => new(home, ws, new Dictionary<string, string>());

        var defaults = MemoryInjection.From(Msgcode.Core.Config.ConfigResolver.Resolve(Sources()));
        Assert.Equal(new MemoryInjection(false, 3, 2000), defaults);
        Assert.Null(defaults.ContextFor(ws, "when does the release train leave?"));

        Directory.CreateDirectory(Path.Combine(ws, ".msgcode"));
        File.WriteAllText(Path.Combine(ws, ".msgcode", "config.json"), "{\"memory.inject\": true, \"memory.injectTop\": 1, \"memory.injectMaxChars\": 500}");
        var on = MemoryInjection.From(Msgcode.Core.Config.ConfigResolver.Resolve(Sources()));
        Assert.Equal(new MemoryInjection(true, 1, 500), on);
        Assert.Contains("Thursday", on.ContextFor(ws, "when does the release train leave?"), StringComparison.Ordinal);
    }
}

using System.Text.Json;
using Msgcode.Core.Runners;

namespace Msgcode.Core.Tests.Runners;

/// <summary>The event rules of the declarative agent runners, against event lines as the real CLIs print them.</summary>
public class AgentEventReaderTests
{
    private static RunnerEntry Entry(string kind)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Msgcode.PowerShell.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        var registry = CapabilityRegistry.Load(Path.Combine(root, "module", "capabilities.json"), Path.Combine(root, "no-user-file.json"));
        Assert.Empty(registry.Problems);
        return registry.Find(kind) ?? throw new InvalidOperationException(kind);
    }

    private static AgentEventReader Read(string kind, List<RunnerProgress>? progress, params string[] lines)
    {
        var reader = new AgentEventReader(Entry(kind).Command!.Events!, progress is null ? null : progress.Add);
        foreach (var line in lines)
        {
            reader.Read(line);
        }

        return reader;
    }

    [Fact]
    public void Claude_answer_session_usage_and_refused_tools_come_from_its_stream()
    {
        var progress = new List<RunnerProgress>();
        var reader = Read("claude", progress,
            """{"type":"system","subtype":"init","session_id":"s-1","model":"claude-opus-5-5"}""",
            """{"type":"assistant","message":{"content":[{"type":"text","text":"I will write a.txt."},{"type":"tool_use","name":"Write","input":{}}],"usage":{"output_tokens":1}}}""",
            "not json: progress text some CLIs mix in",
            """{"type":"result","subtype":"success","is_error":false,"result":"Could not write a.txt.","session_id":"s-1","num_turns":2,"total_cost_usd":0.0212,"usage":{"input_tokens":5193,"output_tokens":24,"cache_read_input_tokens":7},"permission_denials":[{"tool_name":"Write","tool_use_id":"t1","tool_input":{}}]}""");
        Assert.Equal("Could not write a.txt.", reader.Answer);
        Assert.Equal("s-1", reader.Session);
        Assert.Null(reader.Error);
        Assert.Equal(["Write"], reader.Denied);
        var usage = reader.Usage;
        Assert.Equal("claude-opus-5-5", usage.Model);
        Assert.Equal(5193, usage.InputTokens);
        Assert.Equal(24, usage.OutputTokens);
        Assert.Equal(7, usage.CachedInputTokens);
        Assert.Equal(2, usage.Turns);
        Assert.Equal(0.0212m, reader.SessionTotals!.CostUsd);
        Assert.Equal(3, reader.Events);
        Assert.Contains(progress, p => p.Step == "Write" && p.Message == "I will write a.txt.");
    }

    [Fact]
    public void Claude_errors_are_read_from_result_or_from_errors()
    {
        var failed = Read("claude", null, """{"type":"result","subtype":"success","is_error":true,"result":"Invalid API key · Fix external API key","api_error_status":401}""");
        Assert.Equal("Invalid API key · Fix external API key", failed.Error);
        Assert.Null(failed.Answer);
        var unknown = Read("claude", null, """{"type":"result","subtype":"error_during_execution","is_error":true,"errors":["No conversation found with session ID: 0000"]}""");
        Assert.Equal("No conversation found with session ID: 0000", unknown.Error);
    }

    [Fact]
    public void Codex_takes_the_last_agent_message_and_the_thread_usage_as_session_totals()
    {
        var reader = Read("codex", null,
            """{"type":"thread.started","thread_id":"th-9"}""",
            """{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"I will write a.txt."}}""",
            """{"type":"item.started","item":{"id":"item_1","type":"file_change","changes":[]}}""",
            """{"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"Wrote a.txt."}}""",
            """{"type":"turn.completed","usage":{"input_tokens":2328,"cached_input_tokens":5,"output_tokens":20}}""");
        Assert.Equal("Wrote a.txt.", reader.Answer);
        Assert.Equal("th-9", reader.Session);
        Assert.Equal(1, reader.Usage.Turns);
        Assert.Equal(2328, reader.SessionTotals!.InputTokens);
        // A resumed thread reports its totals: the run's share is the difference.
        var share = reader.SessionTotals.ShareOf(reader.Usage, new Runs.RunUsage { InputTokens = 2000, OutputTokens = 15, CachedInputTokens = 5 });
        Assert.Equal(328, share.InputTokens);
        Assert.Equal(5, share.OutputTokens);
        Assert.Equal(0, share.CachedInputTokens);

        var failed = Read("codex", null, """{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized"}}""");
        Assert.Equal("unexpected status 401 Unauthorized", failed.Error);
    }

    [Fact]
    public void OpenCode_answer_is_the_last_step_with_text_and_usage_adds_up_over_steps()
    {
        var reader = Read("opencode", null,
            """{"type":"step_start","sessionID":"ses_1","part":{}}""",
            """{"type":"text","sessionID":"ses_1","part":{"type":"text","text":"First "}}""",
            """{"type":"text","sessionID":"ses_1","part":{"type":"text","text":"step."}}""",
            """{"type":"tool_use","sessionID":"ses_1","part":{"tool":"write"}}""",
            """{"type":"step_finish","sessionID":"ses_1","part":{"reason":"tool-calls","tokens":{"input":100,"output":10,"cache":{"read":3}},"cost":0.5}}""",
            """{"type":"step_start","sessionID":"ses_1","part":{}}""",
            """{"type":"text","sessionID":"ses_1","part":{"type":"text","text":"Wrote a.txt."}}""",
            """{"type":"step_finish","sessionID":"ses_1","part":{"reason":"stop","tokens":{"input":200,"output":20,"cache":{"read":0}},"cost":0.25}}""",
            """{"type":"step_start","sessionID":"ses_1","part":{}}""");
        Assert.Equal("Wrote a.txt.", reader.Answer); // not every text part glued, and a last step without text keeps it
        Assert.Equal("ses_1", reader.Session);
        Assert.Equal(300, reader.Usage.InputTokens);
        Assert.Equal(30, reader.Usage.OutputTokens);
        Assert.Equal(0.75m, reader.Usage.CostUsd);
        Assert.Equal(3, reader.Usage.Turns);
        Assert.Null(reader.AbortReason);

        var failed = Read("opencode", null, """{"type":"error","sessionID":"ses_1","error":{"name":"APIError","data":{"message":"Incorrect API key provided.","statusCode":401}}}""");
        Assert.Equal("Incorrect API key provided.", failed.Error);
    }

    [Fact]
    public void OpenCode_stuck_asking_again_is_stopped_after_three_empty_steps_in_a_row()
    {
        var aborted = 0;
        var reader = new AgentEventReader(Entry("opencode").Command!.Events!, null);
        reader.Abort += () => aborted++;
        var empty = """{"type":"step_finish","part":{"reason":"unknown","tokens":{"input":0,"output":0}}}""";
        reader.Read("""{"type":"step_start","part":{}}""");
        reader.Read(empty);
        reader.Read("""{"type":"step_start","part":{}}""");
        reader.Read(empty);
        reader.Read("""{"type":"text","part":{"text":"progress"}}"""); // anything else breaks the streak
        reader.Read(empty);
        reader.Read(empty);
        Assert.Null(reader.AbortReason);
        reader.Read(empty);
        Assert.NotNull(reader.AbortReason);
        reader.Read(empty);
        Assert.Equal(1, aborted);
    }

    [Fact]
    public void Paths_filter_arrays_and_ignore_what_is_missing()
    {
        using var document = JsonDocument.Parse("""{"a":{"b":[{"type":"x","v":1},{"type":"y","v":2},{"type":"x","v":3}]},"n":null}""");
        Assert.Equal([1, 3], AgentEventReader.Select(document.RootElement, "a.b[type=x].v").Select(e => e.GetInt32()));
        Assert.Equal(3, AgentEventReader.Select(document.RootElement, "a.b[].v").Count);
        Assert.Empty(AgentEventReader.Select(document.RootElement, "a.c.d"));
        Assert.Empty(AgentEventReader.Select(document.RootElement, "n.x"));
        Assert.Empty(AgentEventReader.Select(document.RootElement, "a.b.v"));
    }

    [Fact]
    public void A_torn_or_foreign_line_is_skipped()
    {
        var reader = Read("codex", null, """{"type":"thread.started","thread_id":""", "", "   ", "[1,2]");
        Assert.Equal(0, reader.Events);
        Assert.Null(reader.Session);
    }
}

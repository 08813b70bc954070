using System.Text.Json.Serialization;

namespace Msgcode.Core.Daemon;

/// <summary>One line of <c>&lt;home&gt;/queue.jsonl</c>.</summary>
public sealed class QueueEntry
{
    [JsonPropertyName("op")]
    public string Op { get; set; } = "queued"; // queued | done

    [JsonPropertyName("runId")]
    public string RunId { get; set; } = string.Empty;

    [JsonPropertyName("workspace")]
    public string Workspace { get; set; } = string.Empty;

    [JsonPropertyName("taskId")]
    public string TaskId { get; set; } = string.Empty;

    [JsonPropertyName("tsMs")]
    public long TsMs { get; set; }

    /// <summary>Run in the task's git worktree (Invoke-MsgcodeTask -Queue -Worktree).</summary>
    [JsonPropertyName("worktree")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Worktree { get; set; }

    /// <summary>With <see cref="Worktree"/>: start the worktree over from the current HEAD.</summary>
    [JsonPropertyName("fresh")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Fresh { get; set; }

    /// <summary>Run a done or canceled task again (Invoke-MsgcodeTask -Queue -Force).</summary>
    [JsonPropertyName("force")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Force { get; set; }

    /// <summary>Run sandboxed (Invoke-MsgcodeTask -Queue -Sandbox).</summary>
    [JsonPropertyName("sandbox")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Sandbox { get; set; }
}

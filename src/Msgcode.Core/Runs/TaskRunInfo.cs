namespace Msgcode.Core.Runs;

/// <summary>A run as Get-MsgcodeTaskRun shows it: its started record joined with its outcome.</summary>
public sealed class TaskRunInfo
{
    public required string RunId { get; init; }

    public required string TaskId { get; init; }

    public required string Runner { get; init; }

    /// <summary>running, succeeded, failed, timedOut, canceled or interrupted.</summary>
    public required string Status { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>
    /// How long the run took, in seconds (millisecond precision): a number, so ConvertTo-Json writes a number and
    /// not the fifteen fields of a TimeSpan. <c>[TimeSpan]::FromSeconds($run.DurationSeconds)</c> gives the TimeSpan.
    /// </summary>
    public double? DurationSeconds { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public string[] Artifacts { get; init; } = [];

    public string? Preview { get; init; }

    public int? PromptLength { get; init; }

    public string? PromptSha { get; init; }

    public string? Workspace { get; init; }

    /// <summary>The model the runner used, when it said.</summary>
    public string? Model { get; init; }

    public long? InputTokens { get; init; }

    public long? OutputTokens { get; init; }

    public long? CachedInputTokens { get; init; }

    /// <summary>What the run cost in US dollars, where the runner reports it (claude).</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>Model turns the agent took.</summary>
    public int? Turns { get; init; }

    /// <summary>The agent's session: Invoke-MsgcodeTask -Continue resumes it.</summary>
    public string? SessionId { get; init; }

    /// <summary>The run's answer (its full output is in the artifacts): filled for runs that have ended by Invoke-, Wait- and Receive-MsgcodeTaskRun.</summary>
    public string? Output { get; set; }

    internal static TaskRunInfo WithUsage(TaskRunInfo info, RunUsage? usage, string? sessionId) => usage is null && sessionId is null ? info : new TaskRunInfo
    {
        RunId = info.RunId, TaskId = info.TaskId, Runner = info.Runner, Status = info.Status, StartedAt = info.StartedAt, DurationSeconds = info.DurationSeconds,
        ErrorCode = info.ErrorCode, ErrorMessage = info.ErrorMessage, Artifacts = info.Artifacts, Preview = info.Preview, PromptLength = info.PromptLength,
        PromptSha = info.PromptSha, Workspace = info.Workspace, Output = info.Output, SessionId = sessionId,
        Model = usage?.Model, InputTokens = usage?.InputTokens, OutputTokens = usage?.OutputTokens, CachedInputTokens = usage?.CachedInputTokens, CostUsd = usage?.CostUsd, Turns = usage?.Turns,
    };

    /// <summary>Whether the run has ended (its outcome is recorded).</summary>
    public bool IsEnded => Status is not ("queued" or "running");

    /// <summary>
    /// Reads the run's answer from its artifacts (answer.txt, else output.txt), at most <paramref name="maxChars"/>
    /// characters; null when there is none.
    /// </summary>
    public string? ReadOutput(int maxChars = 1024 * 1024)
    {
        if (Workspace is null)
        {
            return null;
        }

        foreach (var name in new[] { "answer.txt", "output.txt" })
        {
            var artifact = Artifacts.FirstOrDefault(a => System.IO.Path.GetFileName(a) == name);
            if (artifact is null)
            {
                continue;
            }

            var path = System.IO.Path.IsPathRooted(artifact) ? artifact : System.IO.Path.Combine(Workspace, artifact);
            try
            {
                using var reader = new StreamReader(path);
                var buffer = new char[maxChars];
                var read = reader.ReadBlock(buffer, 0, maxChars);
                return new string(buffer, 0, read);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    public override string ToString() => $"{RunId} {TaskId} {Status}";
}

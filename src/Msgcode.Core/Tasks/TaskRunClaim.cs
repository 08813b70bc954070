using System.Globalization;
using System.Text.Json.Nodes;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Tasks;

/// <summary>
/// The claim a run puts on its task while it runs (the task file's <c>currentRun</c>): the run's id and the process
/// that owns it, identified by PID and start time so that a reused PID is not taken for it.
/// </summary>
public sealed record TaskRunClaim
{
    public string? RunId { get; init; }

    public int? Pid { get; init; }

    /// <summary>The owner's start in clock ticks since boot (Linux), the sharper identity.</summary>
    public long? StartTicks { get; init; }

    public DateTime? StartTimeUtc { get; init; }

    public long? StartedAtMs { get; init; }

    /// <summary>The claim of a run this process makes now.</summary>
    public static TaskRunClaim ForThisProcess(string runId, DateTimeOffset startedAt)
    {
        var self = ProcessControl.SelfIdentity;
        return new() { RunId = runId, Pid = Environment.ProcessId, StartTicks = self.Ticks, StartTimeUtc = self.StartUtc, StartedAtMs = startedAt.ToUnixTimeMilliseconds() };
    }

    /// <summary>True while the process that made the claim still runs (the same process, not a reused PID).</summary>
    public bool IsLive() => Pid is int pid && ProcessControl.IsSameProcess(pid, StartTimeUtc, StartTicks);

    internal static TaskRunClaim FromJson(JsonObject o) => new()
    {
        RunId = o["runId"] is JsonValue r && r.TryGetValue<string>(out var runId) ? runId : null,
        Pid = o["pid"] is JsonValue p && p.TryGetValue<int>(out var pid) ? pid : null,
        StartTicks = o["startTicks"] is JsonValue t && t.TryGetValue<long>(out var ticks) ? ticks : null,
        StartTimeUtc = o["startTimeUtc"] is JsonValue s && s.TryGetValue<string>(out var text) && DateTime.TryParse(text, null, DateTimeStyles.RoundtripKind, out var start) ? start.ToUniversalTime() : null,
        StartedAtMs = o["startedAtMs"] is JsonValue a && a.TryGetValue<long>(out var at) ? at : null,
    };

    internal JsonObject ToJson() => new()
    {
        ["runId"] = RunId,
        ["pid"] = Pid,
        ["startTicks"] = StartTicks,
        ["startTimeUtc"] = StartTimeUtc?.ToString("O", CultureInfo.InvariantCulture),
        ["startedAtMs"] = StartedAtMs,
    };
}

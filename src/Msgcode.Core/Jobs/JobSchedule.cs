using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msgcode.Core.Jobs;

/// <summary>
/// <c>{kind:"cron", expr, tz}</c> (the time zone is required: an IANA id, so a change of the machine's zone
/// never shifts a job), <c>{kind:"every", everyMs, anchorMs}</c> (occurrences at anchor + k × every), or
/// <c>{kind:"at", atMs}</c> (one instant).
/// </summary>
public sealed class JobSchedule
{
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = JobScheduleKinds.Cron;

    [JsonPropertyName("expr")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Expr { get; set; }

    [JsonPropertyName("tz")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tz { get; set; }

    [JsonPropertyName("everyMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? EveryMs { get; set; }

    [JsonPropertyName("anchorMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AnchorMs { get; set; }

    [JsonPropertyName("atMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AtMs { get; set; }

    public static JobSchedule Cron(string expr, string tz) => new() { Kind = JobScheduleKinds.Cron, Expr = expr, Tz = tz };

    public static JobSchedule Every(TimeSpan every, DateTimeOffset anchor) => new() { Kind = JobScheduleKinds.Every, EveryMs = (long)every.TotalMilliseconds, AnchorMs = anchor.ToUnixTimeMilliseconds() };

    public static JobSchedule At(DateTimeOffset at) => new() { Kind = JobScheduleKinds.At, AtMs = at.ToUnixTimeMilliseconds() };

    /// <summary>One line for people: <c>cron '0 9 * * 1-5' Asia/Shanghai</c>, <c>every 00:05:00</c>, <c>at 2026-...</c>.</summary>
    public override string ToString() => Kind switch
    {
        JobScheduleKinds.Cron => $"cron '{Expr}' {Tz}",
        JobScheduleKinds.Every => $"every {TimeSpan.FromMilliseconds(EveryMs ?? 0)}",
        JobScheduleKinds.At => $"at {DateTimeOffset.FromUnixTimeMilliseconds(AtMs ?? 0):yyyy-MM-dd HH:mm:ss}Z",
        _ => Kind,
    };

    public string Fingerprint() => $"{Kind}|{Expr}|{Tz}|{EveryMs}|{AnchorMs}|{AtMs}";

    /// <summary>Fields this version does not know are kept as they are.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

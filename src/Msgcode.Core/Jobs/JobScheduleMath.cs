using System.Collections.Concurrent;
using Cronos;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Jobs;

/// <summary>
/// Occurrences of a schedule. Cron expressions are parsed and stepped by Cronos in the job's IANA time zone,
/// so daylight-saving transitions are handled by a maintained library rather than by hand: a wall-clock
/// time skipped by spring-forward runs at the first instant after the gap, and a time repeated by
/// fall-back runs once (Cronos' documented behaviour, checked by the tests). All instants are UTC
/// milliseconds.
/// </summary>
public static class JobScheduleMath
{
    /// <summary>A catch-up never steps through more occurrences than this (a year of minutes is 525,600).</summary>
    public const long MaxEnumerated = 2_000_000;

    private static readonly ConcurrentDictionary<string, CronExpression> Expressions = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.Ordinal);

    /// <summary>Checks a schedule; throws the ErrorId that says what is wrong. <paramref name="nowMs"/> is used for <c>at</c> (it must be ahead).</summary>
    public static void Validate(JobSchedule schedule, long? nowMs)
    {
        switch (schedule.Kind)
        {
            case JobScheduleKinds.Cron:
                var expression = ParseCron(schedule.Expr);
                var zone = ParseZone(schedule.Tz);
                if (expression.GetNextOccurrence(DateTime.UtcNow, zone) is null)
                {
                    throw new MsgcodeException(ErrorIds.JobScheduleInvalid, MsgcodeErrorCategory.InvalidArgument, schedule.Expr,
                        $"The cron expression '{schedule.Expr}' never occurs (such as 30 February). Check its day and month fields.");
                }

                break;
            case JobScheduleKinds.Every:
                if (schedule.EveryMs is not > 0)
                {
                    throw new MsgcodeException(ErrorIds.JobIntervalInvalid, MsgcodeErrorCategory.InvalidArgument, schedule.EveryMs,
                        $"An 'every' schedule needs an interval greater than zero (got {TimeSpan.FromMilliseconds(schedule.EveryMs ?? 0)}). Pass -Every with a positive TimeSpan, e.g. (New-TimeSpan -Minutes 30).");
                }

                if (schedule.AnchorMs is null)
                {
                    throw new MsgcodeException(ErrorIds.JobScheduleInvalid, MsgcodeErrorCategory.InvalidData, schedule.Kind,
                        "An 'every' schedule needs an anchor (anchorMs): the instant its occurrences count from.");
                }

                break;
            case JobScheduleKinds.At:
                if (schedule.AtMs is not long at)
                {
                    throw new MsgcodeException(ErrorIds.JobScheduleInvalid, MsgcodeErrorCategory.InvalidData, schedule.Kind, "An 'at' schedule needs its instant (atMs).");
                }

                if (nowMs is long now && at <= now)
                {
                    throw new MsgcodeException(ErrorIds.JobAtInPast, MsgcodeErrorCategory.InvalidArgument, DateTimeOffset.FromUnixTimeMilliseconds(at).ToString("o"),
                        $"The instant {DateTimeOffset.FromUnixTimeMilliseconds(at):u} is in the past (now {DateTimeOffset.FromUnixTimeMilliseconds(now):u}). Pass a future -At, or use Start-MsgcodeJob to run a job now.");
                }

                break;
            default:
                throw new MsgcodeException(ErrorIds.JobScheduleInvalid, MsgcodeErrorCategory.InvalidData, schedule.Kind,
                    $"Unknown schedule kind '{schedule.Kind}'. Use cron, every or at.");
        }
    }

    /// <summary>Parses a cron expression (5 fields, or 6 with seconds first); throws <see cref="ErrorIds.JobScheduleInvalid"/>.</summary>
    public static CronExpression ParseCron(string? expr)
    {
        var text = (expr ?? string.Empty).Trim();
        if (Expressions.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            if (fields is not (5 or 6))
            {
                throw new CronFormatException($"a cron expression has 5 fields (minute hour day month weekday) or 6 (seconds first), not {fields}");
            }

            var parsed = CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            Expressions[text] = parsed;
            return parsed;
        }
        catch (CronFormatException ex)
        {
            throw new MsgcodeException(ErrorIds.JobScheduleInvalid, MsgcodeErrorCategory.InvalidArgument, text,
                $"'{text}' is not a valid cron expression: {CronReason(ex.Message)}. Example: '0 9 * * 1-5' is 09:00 on weekdays.", ex);
        }
    }

    /// <summary>The parser's reason as one clause of a sentence: without its boilerplate opening and its own closing period.</summary>
    private static string CronReason(string message)
    {
        const string Boilerplate = "The given cron expression has an invalid format. ";
        var reason = message.StartsWith(Boilerplate, StringComparison.Ordinal) ? message[Boilerplate.Length..] : message;
        return reason.TrimEnd().TrimEnd('.');
    }

    /// <summary>Finds an IANA time zone; throws <see cref="ErrorIds.JobTimeZoneInvalid"/>. A zone is required: no silent machine-local default.</summary>
    public static TimeZoneInfo ParseZone(string? tz)
    {
        var id = (tz ?? string.Empty).Trim();
        if (Zones.TryGetValue(id, out var cached))
        {
            return cached;
        }

        if (id.Length == 0)
        {
            throw new MsgcodeException(ErrorIds.JobTimeZoneInvalid, MsgcodeErrorCategory.InvalidArgument, id,
                "A cron schedule needs a time zone (an IANA id such as 'Asia/Shanghai' or 'UTC'), so that a change of the machine's zone never moves the job.");
        }

        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            Zones[id] = zone;
            return zone;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new MsgcodeException(ErrorIds.JobTimeZoneInvalid, MsgcodeErrorCategory.InvalidArgument, id,
                $"'{id}' is not a time zone this machine knows. Use an IANA id such as 'Asia/Shanghai', 'America/New_York' or 'UTC'.", ex);
        }
    }

    /// <summary>The first occurrence at or after <paramref name="fromMs"/>, or null when there is none.</summary>
    public static long? FirstAtOrAfter(JobSchedule schedule, long fromMs)
    {
        switch (schedule.Kind)
        {
            case JobScheduleKinds.Cron:
                var next = ParseCron(schedule.Expr).GetNextOccurrence(ToUtc(fromMs), ParseZone(schedule.Tz), inclusive: true);
                return next is DateTime n ? ToMs(n) : null;
            case JobScheduleKinds.Every:
                var every = schedule.EveryMs ?? 0;
                var anchor = schedule.AnchorMs ?? 0;
                if (every <= 0)
                {
                    return null;
                }

                if (anchor >= fromMs)
                {
                    return anchor;
                }

                var steps = (fromMs - anchor + every - 1) / every;
                return anchor + steps * every;
            case JobScheduleKinds.At:
                return schedule.AtMs is long at && at >= fromMs ? at : null;
            default:
                return null;
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="afterMs"/>.</summary>
    public static long? NextAfter(JobSchedule schedule, long afterMs) => FirstAtOrAfter(schedule, afterMs + 1);

    /// <summary>The occurrences in [<paramref name="fromMs"/>, <paramref name="toMs"/>]: their number, the first, and the latest <paramref name="keepLatest"/>.</summary>
    public static OccurrenceWindow Between(JobSchedule schedule, long fromMs, long toMs, int keepLatest)
    {
        if (toMs < fromMs)
        {
            return new OccurrenceWindow(0, null, []);
        }

        switch (schedule.Kind)
        {
            case JobScheduleKinds.Every:
                var first = FirstAtOrAfter(schedule, fromMs);
                if (first is not long f || f > toMs)
                {
                    return new OccurrenceWindow(0, null, []);
                }

                var every = schedule.EveryMs!.Value;
                var count = (toMs - f) / every + 1;
                var keep = (int)Math.Min(count, keepLatest);
                var latest = new List<long>(keep);
                for (var i = count - keep; i < count; i++)
                {
                    latest.Add(f + i * every);
                }

                return new OccurrenceWindow(count, f, latest);
            case JobScheduleKinds.At:
                return schedule.AtMs is long at && at >= fromMs && at <= toMs ? new OccurrenceWindow(1, at, keepLatest > 0 ? [at] : []) : new OccurrenceWindow(0, null, []);
            case JobScheduleKinds.Cron:
                var expression = ParseCron(schedule.Expr);
                var zone = ParseZone(schedule.Tz);
                var ring = new Queue<long>();
                long n = 0;
                long? firstCron = null;
                foreach (var occurrence in expression.GetOccurrences(ToUtc(fromMs), ToUtc(toMs), zone, fromInclusive: true, toInclusive: true))
                {
                    var ms = ToMs(occurrence);
                    firstCron ??= ms;
                    n++;
                    if (keepLatest > 0)
                    {
                        ring.Enqueue(ms);
                        if (ring.Count > keepLatest)
                        {
                            ring.Dequeue();
                        }
                    }

                    if (n >= MaxEnumerated)
                    {
                        break;
                    }
                }

                return new OccurrenceWindow(n, firstCron, [.. ring]);
            default:
                return new OccurrenceWindow(0, null, []);
        }
    }

    private static DateTime ToUtc(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;

    private static long ToMs(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
}

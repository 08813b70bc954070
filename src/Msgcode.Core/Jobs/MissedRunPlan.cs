namespace Msgcode.Core.Jobs;

/// <summary>
/// What a pass of the <see cref="JobScheduler"/> does with the occurrences of a job that came due: the one on time
/// (at most the latest) is fired, and the missed ones as the missed-run policy says (skip, run once, run all up to
/// its maximum); the rest are skipped.
/// </summary>
/// <param name="ToFire">The occurrences to fire, oldest first, with their trigger (catch-up or schedule).</param>
/// <param name="Skipped">How many occurrences are neither fired now nor were before.</param>
/// <param name="FiredBefore">How many of the latest occurrences were fired before (a cursor that a concurrent change kept behind).</param>
/// <param name="LastSkippedMs">When skipping: the latest skipped occurrence that is known, else the window's first.</param>
internal sealed record MissedRunPlan(List<(long At, string Trigger)> ToFire, long Skipped, int FiredBefore, long? LastSkippedMs)
{
    /// <param name="window">The occurrences from the job's cursor to <paramref name="now"/>.</param>
    /// <param name="firedBefore">Whether an occurrence was fired already (its key is in the firing ledger).</param>
    /// <param name="policy">The policy in force: the job's own, or jobs.missedRunPolicy.</param>
    /// <param name="max">For run-all: the most missed occurrences fired.</param>
    public static MissedRunPlan For(OccurrenceWindow window, string policy, int max, long now, Func<long, bool> firedBefore)
    {
        // Only the latest occurrence can be on time; every earlier one came due while nothing ran it.
        var latest = window.Latest;
        var onTime = now - latest[^1] <= JobScheduler.Grace.TotalMilliseconds ? new List<long> { latest[^1] } : [];
        var missedCount = window.Count - onTime.Count;
        var missedLatest = onTime.Count == 0 ? [.. latest] : latest.Take(latest.Count - 1).ToList();
        var toFire = new List<(long At, string Trigger)>();
        if (missedCount > 0)
        {
            switch (policy)
            {
                case MissedRunPolicies.Skip:
                    break;
                case MissedRunPolicies.RunAll:
                    foreach (var t in missedLatest.TakeLast(max))
                    {
                        toFire.Add((t, JobTriggers.CatchUp));
                    }

                    break;
                default: // run-once (also for a policy edited by hand into something unknown)
                    if (onTime.Count == 0)
                    {
                        toFire.Add((missedLatest[^1], JobTriggers.CatchUp));
                    }

                    break;
            }
        }

        toFire.AddRange(onTime.Select(t => (t, JobTriggers.Schedule)));
        // Occurrences fired before (a cursor that a concurrent change kept behind) are neither fired again nor skipped.
        var firedCount = latest.Count(firedBefore);
        toFire.RemoveAll(f => firedBefore(f.At));
        var skipped = window.Count - toFire.Count - firedCount;
        long? lastSkipped = null;
        if (skipped > 0)
        {
            var fired = toFire.Select(f => f.At).ToHashSet();
            var skippedLatest = missedLatest.Where(t => !fired.Contains(t) && !firedBefore(t)).ToList();
            lastSkipped = skippedLatest.Count > 0 ? skippedLatest[^1] : window.FirstMs;
        }

        return new MissedRunPlan(toFire, skipped, firedCount, lastSkipped);
    }
}

using Msgcode.Core.Errors;

namespace Msgcode.Core.Jobs;

/// <summary>
/// What <see cref="JobScheduler.Resume"/> does with the occurrences that came due while jobs.enabled was false: they
/// were turned off on purpose, so each job's are recorded as skipped in one record (trigger
/// <see cref="JobScheduler.PausedTrigger"/>) and its cursor moves to its next occurrence; none is caught up.
/// </summary>
internal static class PausedOccurrences
{
    public static void Skip(LoadedJobs loaded, JobStore store, long now)
    {
        foreach (var job in loaded.Jobs.Where(j => j.Enabled && j.State.NextRunAtMs <= now).ToList())
        {
            try
            {
                var window = JobScheduleMath.Between(job.Schedule, job.State.NextRunAtMs!.Value, now, 1);
                var next = JobScheduleMath.NextAfter(job.Schedule, now);
                if (window.Count > 0)
                {
                    store.AppendRun(new JobRunRecord
                    {
                        TsMs = now, JobId = job.Id, Event = JobRunEvents.Skipped, Status = JobStatuses.Skipped, Trigger = JobScheduler.PausedTrigger,
                        Count = window.Count, FirstAtMs = window.FirstMs, LastAtMs = window.Latest[^1],
                        ErrorMessage = $"{window.Count} occurrence(s) came due while jobs.enabled was false; they are not caught up.",
                    });
                }

                // An 'at' job skipped this way has had its turn: no cursor, and its last status says skipped.
                loaded.SetState(job.Id, s =>
                {
                    s.NextRunAtMs = next;
                    s.LastStatus = window.Count > 0 ? JobStatuses.Skipped : s.LastStatus;
                });
            }
            catch (MsgcodeException)
            {
                // A schedule broken by hand: the scheduler's next pass reports it, as for any other job.
            }
        }

        loaded.Persist();
    }
}

using Msgcode.Core.Errors;
using Msgcode.Core.Logging;

namespace Msgcode.Core.Jobs;

/// <summary>
/// The jobs a <see cref="JobScheduler"/> works from: the last good jobs.json (kept while the file is broken), and
/// the state changes the scheduler made that are not written back yet. Writing back merges them into the file
/// under its lock, leaving alone what cmdlets changed meanwhile.
/// </summary>
internal sealed class LoadedJobs
{
    private readonly JobStore _store;
    private readonly MsgcodeLog? _log;
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private List<JobDefinition> _jobs = [];
    private JobsFileStamp? _stamp;
    private string? _reportedProblemHash;

    public LoadedJobs(JobStore store, MsgcodeLog? log)
    {
        _store = store;
        _log = log;
    }

    /// <summary>The last good schedule (kept while jobs.json is broken).</summary>
    public List<JobDefinition> Jobs => _jobs;

    /// <summary>Why jobs.json cannot be read now, or null.</summary>
    public MsgcodeProblem? FileProblem { get; private set; }

    public JobsFileStamp? Stamp => _stamp;

    /// <summary>Reloads jobs.json when it changed. A broken file keeps the last good schedule and is reported once per version.</summary>
    public bool ReloadIfChanged()
    {
        var current = _store.CurrentStamp(_stamp);
        if (_stamp is not null && current == _stamp)
        {
            return false;
        }

        var snapshot = _store.Load();
        _stamp = snapshot.Stamp;
        if (snapshot.Problem is { } problem)
        {
            FileProblem = problem;
            if (_reportedProblemHash != snapshot.Stamp.Hash)
            {
                _reportedProblemHash = snapshot.Stamp.Hash;
                _log?.Error("jobs", "jobs file invalid; keeping the last good schedule", new { errorId = problem.ErrorId, path = problem.Target, line = problem.Line, reason = problem.Message, jobs = _jobs.Count });
            }

            return false;
        }

        if (FileProblem is not null)
        {
            _log?.Info("jobs", "jobs file readable again", new { path = _store.Path });
        }

        FileProblem = null;
        _reportedProblemHash = null;
        var previous = _jobs.ToDictionary(j => j.Id, StringComparer.Ordinal);
        _jobs = snapshot.Jobs;
        foreach (var job in _jobs)
        {
            // A pending state change of ours that the file does not have yet (written while it was broken) is kept.
            if (_dirty.Contains(job.Id) && previous.TryGetValue(job.Id, out var mine))
            {
                MergeState(job, mine, job.UpdatedAtMs == mine.UpdatedAtMs);
            }
        }

        // Our own state writes reload too: only a change of the job list is news.
        var level = _jobs.Count != previous.Count || _jobs.Any(j => !previous.ContainsKey(j.Id)) ? LogLevel.Info : LogLevel.Debug;
        _log?.Write(level, "jobs", "jobs loaded", new { count = _jobs.Count, enabled = _jobs.Count(j => j.Enabled) });
        return true;
    }

    /// <summary>Changes the state of a job in memory; a real change marks it for <see cref="Persist"/>.</summary>
    public void SetState(string jobId, Action<JobState> change)
    {
        var job = _jobs.FirstOrDefault(j => j.Id == jobId);
        if (job is null)
        {
            return;
        }

        var before = System.Text.Json.JsonSerializer.Serialize(job.State);
        change(job.State);
        if (System.Text.Json.JsonSerializer.Serialize(job.State) != before)
        {
            _dirty.Add(jobId); // only a real change is written: an idle pass never rewrites jobs.json
        }
    }

    /// <summary>Writes the state of changed jobs into jobs.json, under its lock, leaving what cmdlets changed meanwhile alone.</summary>
    public void Persist()
    {
        if (_dirty.Count == 0 || FileProblem is not null)
        {
            return; // a broken file is never written over; the state stays in memory (and the ledger has every firing)
        }

        var mine = _jobs.Where(j => _dirty.Contains(j.Id)).ToDictionary(j => j.Id, StringComparer.Ordinal);
        try
        {
            _store.Update(jobs =>
            {
                var changed = false;
                foreach (var job in jobs)
                {
                    if (mine.TryGetValue(job.Id, out var ours))
                    {
                        MergeState(job, ours, job.UpdatedAtMs == ours.UpdatedAtMs);
                        changed = true;
                    }
                }

                return (changed, 0);
            });
            _dirty.Clear();
            ReloadIfChanged(); // our own write: the file now holds what we hold
        }
        catch (MsgcodeException ex) when (ex.ErrorId == ErrorIds.JobsFileInvalid)
        {
            ReloadIfChanged(); // broken since the last look: reported there, kept in memory
        }
        catch (MsgcodeException ex)
        {
            _log?.Warn("jobs", "job state not saved", new { errorId = ex.ErrorId, reason = ex.Message });
        }
    }

    /// <summary>
    /// Copies the scheduler's state into <paramref name="target"/>. When a cmdlet changed the job since it was loaded
    /// (<paramref name="sameVersion"/> false), its cursor and run request are the cmdlet's and stay.
    /// </summary>
    private static void MergeState(JobDefinition target, JobDefinition ours, bool sameVersion)
    {
        var s = target.State;
        var o = ours.State;
        s.LastRunAtMs = o.LastRunAtMs;
        s.LastStatus = o.LastStatus;
        s.LastErrorCode = o.LastErrorCode;
        s.RunningSince = o.RunningSince;
        s.LastTaskId = o.LastTaskId;
        if (sameVersion)
        {
            s.NextRunAtMs = o.NextRunAtMs;
            s.RunRequestedAtMs = o.RunRequestedAtMs;
        }
    }
}

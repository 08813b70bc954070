using System.Security.Cryptography;
using System.Text.Json;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Jobs;

/// <summary>
/// <c>&lt;home&gt;/jobs.json</c> (the jobs, written through the atomic primitive under <c>jobs.json.lock</c>) and
/// <c>&lt;home&gt;/jobs/runs.jsonl</c> (one line per firing event: <see cref="Runs"/>). A jobs.json that
/// does not parse is never written over: every write refuses with <see cref="ErrorIds.JobsFileInvalid"/>
/// until a person repairs it.
/// </summary>
public sealed class JobStore
{
    public const string IdPrefix = "job_";
    public const int MaxNameLength = 200;

    internal static readonly JsonSerializerOptions FileOptions = new() { WriteIndented = true };
    internal static readonly JsonSerializerOptions LineOptions = new() { WriteIndented = false };

    private readonly TimeProvider _clock;

    public JobStore(MsgcodeHome home, TimeProvider? clock = null)
    {
        Home = home;
        _clock = clock ?? TimeProvider.System;
        Runs = new JobRunLedger(System.IO.Path.Combine(home.Path, "jobs", "runs.jsonl"));
    }

    public MsgcodeHome Home { get; }

    public string Path => Home.JobsFile;

    /// <summary>The firing ledger, <c>jobs/runs.jsonl</c>.</summary>
    public JobRunLedger Runs { get; }

    public string RunsPath => Runs.Path;

    /// <summary>Whether <paramref name="text"/> has the shape of a whole job id (<c>job_</c> + 26 characters).</summary>
    public static bool IsFullId(string text) => text.Length == IdPrefix.Length + Platform.Ulid.Length && text.StartsWith(IdPrefix, StringComparison.Ordinal)
        && Platform.Ulid.IsValid(text.AsSpan(IdPrefix.Length));

    public static string NewId(TimeProvider? clock = null) => IdPrefix + Platform.Ulid.New(clock);

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Reads jobs.json. A missing file is an empty list; a broken one is reported in <see cref="JobsSnapshot.Problem"/>.</summary>
    public JobsSnapshot Load()
    {
        byte[] bytes;
        FileInfo info;
        try
        {
            info = new FileInfo(Path);
            if (!info.Exists)
            {
                return new JobsSnapshot { Jobs = [], Stamp = JobsFileStamp.Missing };
            }

            bytes = File.ReadAllBytes(Path);
            info.Refresh();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!File.Exists(Path))
            {
                return new JobsSnapshot { Jobs = [], Stamp = JobsFileStamp.Missing };
            }

            return new JobsSnapshot
            {
                Jobs = [], Stamp = new JobsFileStamp(true, -1, 0, string.Empty),
                Problem = new MsgcodeProblem(ErrorIds.JobsFileInvalid, MsgcodeErrorCategory.ReadError, Path, $"'{Path}' cannot be read: {ex.Message} Check its permissions.", null),
            };
        }

        var stamp = new JobsFileStamp(true, bytes.Length, info.LastWriteTimeUtc.Ticks, Hash(bytes));
        return Parse(bytes, stamp);
    }

    /// <summary>The current stamp of jobs.json, hashing only when length and time alone cannot tell a change apart.</summary>
    public JobsFileStamp CurrentStamp(JobsFileStamp? previous)
    {
        try
        {
            var info = new FileInfo(Path);
            if (!info.Exists)
            {
                return JobsFileStamp.Missing;
            }

            if (previous is { Exists: true } p && p.Length == info.Length && p.MtimeTicks == info.LastWriteTimeUtc.Ticks
                && DateTime.UtcNow - info.LastWriteTimeUtc > TimeSpan.FromSeconds(5))
            {
                return p; // unchanged, and old enough that a second write in the same tick is ruled out
            }

            var bytes = File.ReadAllBytes(Path);
            return new JobsFileStamp(true, bytes.Length, info.LastWriteTimeUtc.Ticks, Hash(bytes));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new JobsFileStamp(true, -1, DateTime.UtcNow.Ticks, string.Empty);
        }
    }

    private JobsSnapshot Parse(byte[] bytes, JobsFileStamp stamp)
    {
        JobsFile? file;
        try
        {
            file = JsonSerializer.Deserialize<JobsFile>(bytes, FileOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is long line ? $" on line {line + 1}" : string.Empty;
            return Broken($"'{Path}' is not valid JSON{where}: {ex.Message}", ex.LineNumber is long l ? (int)l + 1 : null);
        }

        if (file is null)
        {
            return Broken($"'{Path}' holds no jobs object.", null);
        }

        if (file.Version != JobsFile.CurrentVersion)
        {
            return Broken($"'{Path}' has version {file.Version}; this msgcode reads version {JobsFile.CurrentVersion}.", null);
        }

        file.Jobs ??= [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in file.Jobs)
        {
            if (job is null || string.IsNullOrWhiteSpace(job.Id) || !seen.Add(job.Id))
            {
                return Broken($"'{Path}' has a job without an id, or two jobs with the same id.", null);
            }

            job.Schedule ??= new JobSchedule();
            job.Action ??= new JobAction();
            job.Delivery ??= new JobDelivery();
            job.MissedRunPolicy ??= new JobMissedRunPolicy();
            job.State ??= new JobState();
        }

        return new JobsSnapshot { Jobs = file.Jobs, Stamp = stamp, Extra = file.Extra };

        JobsSnapshot Broken(string message, int? line) => new()
        {
            Jobs = [], Stamp = stamp,
            Problem = new MsgcodeProblem(ErrorIds.JobsFileInvalid, MsgcodeErrorCategory.InvalidData, Path,
                message + " msgcode will not write over it: repair the file by hand (or move it away), and the daemon keeps the last good schedule until then.", line),
        };
    }

    /// <summary>The jobs, or <see cref="ErrorIds.JobsFileInvalid"/> when jobs.json is broken.</summary>
    public List<JobDefinition> List()
    {
        var snapshot = Load();
        if (snapshot.Problem is { } problem)
        {
            throw problem.ToException();
        }

        return snapshot.Jobs;
    }

    /// <summary>A job by id, unique id prefix or name (names are unique, compared without case).</summary>
    public static JobDefinition Resolve(IReadOnlyList<JobDefinition> jobs, string idOrName)
    {
        var key = (idOrName ?? string.Empty).Trim();
        var exact = jobs.FirstOrDefault(j => j.Id == key) ?? jobs.FirstOrDefault(j => string.Equals(j.Name, key, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact;
        }

        if (key.Length > 0)
        {
            var prefix = key.StartsWith(IdPrefix, StringComparison.Ordinal) ? key : IdPrefix + key;
            var matches = jobs.Where(j => j.Id.StartsWith(prefix, StringComparison.Ordinal)).Take(2).ToList();
            if (matches.Count == 1)
            {
                return matches[0];
            }
        }

        throw new MsgcodeException(ErrorIds.JobNotFound, MsgcodeErrorCategory.ObjectNotFound, key,
            $"No job has the id or name '{key}'. Get-MsgcodeJob lists the jobs.");
    }

    public JobDefinition Get(string idOrName) => Resolve(List(), idOrName);

    /// <summary>
    /// Read-modify-write of jobs.json under its lock. <paramref name="mutate"/> returns whether anything changed
    /// (nothing is written when not). Refuses with <see cref="ErrorIds.JobsFileInvalid"/> on a broken file.
    /// </summary>
    /// <remarks>
    /// A person's editor takes no lock: when the file changed between the read and the replace, the change is read
    /// again and <paramref name="mutate"/> applied to it, so a hand edit is never written over (a broken one then
    /// refuses with JobsFileInvalid). <paramref name="mutate"/> may therefore run more than once.
    /// </remarks>
    public T Update<T>(Func<List<JobDefinition>, (bool Changed, T Result)> mutate)
    {
        using var fileLock = FileLock.For(Path);
        for (var attempt = 1; ; attempt++)
        {
            var snapshot = Load();
            if (snapshot.Problem is { } problem)
            {
                throw problem.ToException();
            }

            var (changed, result) = mutate(snapshot.Jobs);
            if (!changed)
            {
                return result;
            }

            try
            {
                Write(snapshot.Jobs, snapshot.Extra, snapshot.Stamp);
                return result;
            }
            catch (ChangedMeanwhileException) when (attempt < 5)
            {
            }
            catch (ChangedMeanwhileException)
            {
                throw new MsgcodeException(ErrorIds.FileWriteFailed, MsgcodeErrorCategory.WriteError, Path,
                    $"'{Path}' kept changing while msgcode wrote it (something writes it without taking its lock); nothing was written. Try again once that has stopped.");
            }
        }
    }

    private void Write(List<JobDefinition> jobs, Dictionary<string, JsonElement>? extra, JobsFileStamp expected)
    {
        var file = new JobsFile { Jobs = jobs, Extra = extra };
        AtomicFile.WriteAllText(Path, JsonSerializer.Serialize(file, FileOptions) + "\n", new AtomicWriteOptions
        {
            // The last look before the replace: the file must still hold what was read (the hash, not the time,
            // decides: an edit can keep both the length and the time).
            BeforeReplace = () =>
            {
                if (!StillHolds(expected))
                {
                    throw new ChangedMeanwhileException();
                }
            },
        });
    }

    private bool StillHolds(JobsFileStamp expected)
    {
        var now = CurrentStamp(previous: null); // hashed, never taken on length and time alone
        return now.Exists == expected.Exists && now.Length == expected.Length && now.Hash == expected.Hash;
    }

    private sealed class ChangedMeanwhileException : Exception;

    /// <summary>Adds a job after validating it (schedule, action, policy, unique name); its first run is computed from now.</summary>
    public JobDefinition Create(JobDefinition job)
    {
        var now = NowMs;
        job.Id = string.IsNullOrEmpty(job.Id) ? NewId(_clock) : job.Id;
        JobValidation.Validate(job, now, newSchedule: true);
        job.CreatedAtMs = now;
        job.UpdatedAtMs = now;
        job.State = new JobState { NextRunAtMs = job.Enabled ? JobScheduleMath.NextAfter(job.Schedule, now) : null };
        return Update(jobs =>
        {
            JobValidation.RequireUniqueName(jobs, job.Name, job.Id);
            jobs.Add(job);
            return (true, job);
        });
    }

    /// <summary>Changes a job. When its schedule changed or it was enabled, the next run is computed again from now.</summary>
    public JobDefinition Change(string idOrName, Func<JobDefinition, bool> mutate)
    {
        var now = NowMs;
        return Update(jobs =>
        {
            var job = Resolve(jobs, idOrName);
            var schedule = job.Schedule.Fingerprint();
            var action = JsonSerializer.Serialize(job.Action, LineOptions);
            var delivery = JsonSerializer.Serialize(job.Delivery, LineOptions);
            var enabled = job.Enabled;
            var name = job.Name;
            if (!mutate(job))
            {
                return (false, job);
            }

            var scheduleChanged = schedule != job.Schedule.Fingerprint();
            var enabling = job.Enabled && !enabled;
            // The schedule is checked when it changed or the job is enabled (an `at` instant already past is refused
            // then, not fired as a catch-up), and the action only when it changed: a job broken by hand can still be
            // disabled, started or removed.
            JobValidation.Validate(job, now, newSchedule: (scheduleChanged || enabling) && job.Schedule.Kind == JobScheduleKinds.At,
                checkAction: action != JsonSerializer.Serialize(job.Action, LineOptions), checkSchedule: scheduleChanged || enabling);
            if (delivery != JsonSerializer.Serialize(job.Delivery, LineOptions))
            {
                JobValidation.ValidateDelivery(job);
            }

            if (!string.Equals(name, job.Name, StringComparison.Ordinal))
            {
                JobValidation.RequireUniqueName(jobs, job.Name, job.Id);
            }

            if (scheduleChanged || enabling)
            {
                job.State.NextRunAtMs = job.Enabled ? JobScheduleMath.NextAfter(job.Schedule, now) : null;
            }

            job.UpdatedAtMs = now;
            return (true, job);
        });
    }

    /// <summary>Asks the daemon to run a job now (Start-MsgcodeJob): the request is durable, and fires once.</summary>
    public JobDefinition RequestRun(string idOrName) => Change(idOrName, job =>
    {
        job.State.RunRequestedAtMs = Math.Max(NowMs, (job.State.RunRequestedAtMs ?? 0) + 1);
        return true;
    });

    public JobDefinition Remove(string idOrName) => Update(jobs =>
    {
        var job = Resolve(jobs, idOrName);
        jobs.Remove(job);
        return (true, job);
    });

    // ---- runs.jsonl: the same as through Runs ----

    public void AppendRun(JobRunRecord record, bool fsync = true) => Runs.Append(record, fsync);

    public IEnumerable<JobRunRecord> ReadRuns(Action<MsgcodeProblem>? onProblem = null) => Runs.ReadAll(onProblem);

    /// <inheritdoc cref="JobRunLedger.NewestRuns"/>
    public IReadOnlyList<JobRunInfo> NewestRuns(int count, string? jobId = null, Action<MsgcodeProblem>? onProblem = null) => Runs.NewestRuns(count, jobId, onProblem);

    /// <inheritdoc cref="JobRunLedger.Trim"/>
    public int TrimRuns(long retentionDays, long retentionCount, DateTimeOffset now) => Runs.Trim(retentionDays, retentionCount, now);

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes))[..16];
}

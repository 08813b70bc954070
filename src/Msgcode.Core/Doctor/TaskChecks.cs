using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's tasks category: per workspace, the task files, the run ledger and runs left without a process.</summary>
internal static class TaskChecks
{
    internal static IEnumerable<DoctorCheck> Run(DoctorContext context)
    {
        if (context.Workspaces.Count == 0)
        {
            yield return Check("tasks", "workspaces", CheckStatuses.Skip, "No workspace with a tasks folder was given or found.");
            yield break;
        }

        foreach (var workspace in context.Workspaces)
        {
            var store = new TaskStore(workspace);
            var name = Path.GetFileName(workspace.TrimEnd(Path.DirectorySeparatorChar));
            var problems = new List<MsgcodeProblem>();
            IReadOnlyList<TaskInfo> tasks = [];
            try
            {
                tasks = store.List(problems.Add);
            }
            catch (MsgcodeException ex)
            {
                problems.Add(ex.ToProblem());
            }

            var corrupt = problems.Where(p => p.ErrorId == ErrorIds.TaskFileCorrupt).ToList();
            yield return corrupt.Count == 0
                ? Check("tasks", $"{name}:files", CheckStatuses.Pass, $"{tasks.Count} task(s); the index agrees with the task files.", details: new() { ["workspace"] = workspace })
                : Check("tasks", $"{name}:files", CheckStatuses.Fail, $"{corrupt.Count} task file(s) cannot be read: {string.Join("; ", corrupt.Select(p => p.Target).Take(5))}",
                    "Repair them by hand (Get-MsgcodeTask shows each reason), or restore them from version control.", new() { ["workspace"] = workspace });

            var ledgerProblems = new List<MsgcodeProblem>();
            var ledger = new RunLedger(store.LedgerPath);
            var open = ledger.OpenRuns(ledgerProblems.Add);
            var torn = HasTornTail(store.LedgerPath);
            yield return ledgerProblems.Count > 0
                ? Check("tasks", $"{name}:ledger", CheckStatuses.Fail, $"runs.jsonl has {ledgerProblems.Count} malformed line(s), first at line {ledgerProblems[0].Line}.",
                    $"Look at those lines in '{store.LedgerPath}'; malformed lines are skipped when reading.", new() { ["workspace"] = workspace })
                : torn
                    ? Check("tasks", $"{name}:ledger", CheckStatuses.Warn, "runs.jsonl ends in an unterminated line (a write cut short); it is skipped, and the next record starts on a new line.",
                        "Nothing to do; the next run fences it off.", new() { ["workspace"] = workspace })
                    : Check("tasks", $"{name}:ledger", CheckStatuses.Pass, "Every line of runs.jsonl parses.", details: new() { ["workspace"] = workspace });

            var orphans = open.Where(r => r.Pid is not int pid || !ProcessControl.IsAlive(pid)).ToList();
            yield return orphans.Count == 0
                ? Check("tasks", $"{name}:runs", CheckStatuses.Pass, "No run is left running without a live process.", details: new() { ["workspace"] = workspace })
                : Check("tasks", $"{name}:runs", CheckStatuses.Warn, $"{orphans.Count} run(s) are recorded as running but their process is gone: {string.Join(", ", orphans.Select(r => r.RunId).Take(5))}.",
                    "Start-MsgcodeDaemon records them as interrupted; or run the task again with Invoke-MsgcodeTask.", new() { ["workspace"] = workspace });
        }
    }

    private static bool HasTornTail(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length == 0)
            {
                return false;
            }

            stream.Seek(-1, SeekOrigin.End);
            return stream.ReadByte() != '\n';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

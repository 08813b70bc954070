using System.Text.Json.Nodes;
using Msgcode.Core.Errors;
using Msgcode.Core.Runners;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

/// <summary>Runs a task in its own git worktree and captures a patch afterwards (Invoke-MsgcodeTask -Worktree).</summary>
public sealed class WorktreeIsolation : IRunIsolation
{
    public WorktreeIsolation(WorktreeSettings settings, bool fresh)
    {
        Settings = settings;
        Fresh = fresh;
    }

    public WorktreeSettings Settings { get; }

    public bool Fresh { get; }

    public void Validate(TaskStore store, TaskDocument task)
    {
        GitCli.Executable();
        var manager = new WorktreeManager(store, Settings);
        manager.Plan(task, Fresh, manager.Inspect());
    }

    public IIsolatedRun Prepare(TaskStore store, TaskDocument task, string runId, CancellationToken cancellationToken)
    {
        var manager = new WorktreeManager(store, Settings);
        var record = manager.Prepare(task, Fresh, out _, out var facts, cancellationToken);
        var copy = (JsonObject)record.DeepClone();
        // Recorded at once: a crash during the run leaves a worktree its task still knows.
        store.Update(task.Id, d =>
        {
            d.Root["worktree"] = copy.DeepClone();
            return true;
        });
        return new Run(manager, copy, facts.LocalChanges);
    }

    private sealed class Run(WorktreeManager manager, JsonObject record, int localChanges) : IIsolatedRun
    {
        public string WorkingDirectory => Path.GetFullPath(Path.Combine(manager.Workspace, WorktreeManager.Str(record, "path")!));

        /// <summary>The worktree's own folder under the repository's .git (its index and HEAD), so git works inside it.</summary>
        public IReadOnlyList<string> AlsoWritable
        {
            get
            {
                var dotGit = Path.Combine(WorkingDirectory, ".git");
                try
                {
                    var line = File.Exists(dotGit) ? File.ReadLines(dotGit).FirstOrDefault() : null;
                    if (line is not null && line.StartsWith("gitdir:", StringComparison.Ordinal))
                    {
                        var gitdir = line["gitdir:".Length..].Trim();
                        return [Path.GetFullPath(Path.IsPathRooted(gitdir) ? gitdir : Path.Combine(WorkingDirectory, gitdir))];
                    }
                }
                catch (IOException)
                {
                }

                return [];
            }
        }

        public IsolationOutcome Capture(TaskStore store, TaskDocument task, string runId, string runnerKind, RunnerResult result, string runnerSummary, string artifactDirectory, IReadOnlyList<string>? sandboxWritable = null)
        {
            CapturedPatch captured;
            try
            {
                captured = manager.Capture(task, record, runId, runnerKind, result.Status, runnerSummary, localChanges, artifactDirectory);
            }
            catch (MsgcodeException ex)
            {
                return new IsolationOutcome { ErrorCode = ex.ErrorId, ErrorMessage = ex.Message, BaseCommit = WorktreeManager.Str(record, "baseCommit") };
            }

            var patch = Relative(store.Workspace, captured.PatchPath);
            var tree = captured.Tree;
            List<string> artifacts = [captured.PatchPath, captured.SummaryPath];
            if (manager.Settings.VerifyCommand is { } verify && result.Status is RunStatuses.Succeeded or RunStatuses.Failed)
            {
                // After the capture: what the command builds in the worktree never enters the patch.
                var verification = PatchVerifier.Run(verify, WorkingDirectory, manager.Settings.VerifyTimeout, Path.GetDirectoryName(captured.PatchPath)!,
                    sandboxWritable, sandboxWritable is null ? [] : [store.Workspace]);
                artifacts.Add(Path.Combine(Path.GetDirectoryName(captured.PatchPath)!, PatchVerification.FileName));
                if (verification.Log is { } log)
                {
                    artifacts.Add(log);
                }
            }

            return new IsolationOutcome
            {
                Artifacts = artifacts,
                Patches = [captured.PatchPath, captured.SummaryPath],
                PatchPath = captured.PatchPath,
                BaseCommit = captured.BaseCommit,
                UpdateTask = d =>
                {
                    var current = d.Root["worktree"] as JsonObject ?? (JsonObject)record.DeepClone();
                    current["capturedTree"] = tree;
                    current["lastPatch"] = patch;
                    d.Root["worktree"] = current;
                },
            };
        }

        private static string Relative(string workspace, string path) => Path.GetRelativePath(workspace, path).Replace('\\', '/');
    }
}

using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Tasks;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's worktrees category: per workspace with a repository, whether every task worktree is sound.</summary>
internal static class WorktreeChecks
{
    internal static IEnumerable<DoctorCheck> Run(DoctorContext context)
    {
        var any = false;
        foreach (var workspace in context.Workspaces)
        {
            var name = Path.GetFileName(workspace.TrimEnd(Path.DirectorySeparatorChar));
            var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["workspace"] = workspace };
            var manager = new Worktrees.WorktreeManager(new TaskStore(workspace), Worktrees.WorktreeSettings.From(ConfigResolver.Resolve(new ConfigSources(context.Home, workspace, context.Environment))));
            if (!Directory.Exists(manager.WorktreesDirectory) && !File.Exists(Path.Combine(manager.RepositoryPath, ".git")) && !Directory.Exists(Path.Combine(manager.RepositoryPath, ".git")))
            {
                continue;
            }

            any = true;
            DoctorCheck check;
            try
            {
                var problems = manager.Problems();
                check = problems.Count == 0
                    ? Check("worktrees", $"{name}:worktrees", CheckStatuses.Pass, "Every task worktree is a live git worktree with its task.", details: details)
                    : Check("worktrees", $"{name}:worktrees", CheckStatuses.Warn,
                        $"{problems.Count} worktree problem(s): {string.Join("; ", problems.Take(5).Select(p => $"{p.TaskId} is {p.State}"))}.",
                        $"Clear-MsgcodeWorktree -Workspace '{workspace}' prunes what is safe and keeps what holds work (add -WhatIf to see it first).", details);
            }
            catch (MsgcodeException ex) when (ex.ErrorId is ErrorIds.WorktreeRepositoryNotFound or ErrorIds.WorktreeRepositoryEmpty or ErrorIds.WorktreeSubmoduleUnsupported)
            {
                check = Directory.Exists(manager.WorktreesDirectory)
                    ? Check("worktrees", $"{name}:worktrees", CheckStatuses.Warn, $"There is a worktrees folder, but: {ex.Message}", "Point worktree.repository at the workspace's repository: Set-MsgcodeConfig worktree.repository <path> -Workspace <ws>.", details)
                    : Check("worktrees", $"{name}:worktrees", CheckStatuses.Skip, ex.Message, details: details);
            }
            catch (MsgcodeException ex)
            {
                check = Check("worktrees", $"{name}:worktrees", CheckStatuses.Warn, ex.Message, ex.ErrorId == ErrorIds.GitNotFound ? "Install git." : "See the message.", details);
            }

            yield return check;
        }

        if (!any)
        {
            yield return Check("worktrees", "worktrees", CheckStatuses.Skip, "No workspace with a git repository or a worktrees folder was given or found.");
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using Msgcode.Core.Errors;
using Msgcode.Core.Runners;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// Runs the verify command in a worktree the way the shell runner runs a prompt (the platform's shell, the command in
/// an owner-only script, msgcode's secrets hidden, the whole process tree stopped at the timeout) and records what it said.
/// </summary>
internal static class PatchVerifier
{
    /// <summary>
    /// Runs <paramref name="command"/> in <paramref name="worktree"/>; writes verify.log and verify.json into <paramref name="directory"/>.
    /// A sandboxed run's verify command is sandboxed as its runner was (<paramref name="sandboxWritable"/>, null: not
    /// sandboxed): the command comes from the workspace's settings, and -Sandbox promises the workspace writes nothing else.
    /// </summary>
    public static PatchVerification Run(string command, string worktree, TimeSpan timeout, string directory,
        IReadOnlyList<string>? sandboxWritable = null, IReadOnlyList<string>? sandboxReadOnly = null, CancellationToken cancellationToken = default)
    {
        var scratch = Path.Combine(directory, "verify");
        var clock = Stopwatch.StartNew();
        RunnerResult result;
        try
        {
            result = new ShellRunner().RunAsync(new RunnerRequest
            {
                Kind = "verify",
                WorkspacePath = worktree,
                Payload = command,
                ArtifactDirectory = scratch,
                Constraints = new RunnerConstraints
                {
                    Timeout = timeout, WorkingDirectory = worktree, HiddenVariables = RunnerInvocation.HiddenVariables(null),
                    SandboxWritable = sandboxWritable, SandboxReadOnly = sandboxReadOnly ?? [],
                },
            }, cancellationToken).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is MsgcodeException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            result = new RunnerResult { Status = RunStatuses.Failed, ErrorMessage = ex.Message };
        }

        var log = Path.Combine(directory, PatchVerification.LogName);
        // Its standard output, then its standard error (the shell runner keeps each whole in an artifact).
        var captured = result.Artifacts.Where(File.Exists).ToList();
        using (var target = new FileStream(log, FileMode.Create, FileAccess.Write))
        {
            foreach (var artifact in captured)
            {
                using var source = File.OpenRead(artifact);
                source.CopyTo(target);
            }

            if (captured.Count == 0)
            {
                target.Write(System.Text.Encoding.UTF8.GetBytes(result.Output));
            }
        }

        var verification = new PatchVerification
        {
            Status = result.Status == RunStatuses.Succeeded ? PatchVerification.Verified : PatchVerification.VerifyFailed,
            Command = command,
            ExitCode = result.ExitCode,
            TimedOut = result.Status == RunStatuses.TimedOut,
            DurationMs = clock.ElapsedMilliseconds,
            Log = log,
            Error = result.Status == RunStatuses.Succeeded ? null : result.ErrorMessage,
        };
        AtomicFile.WriteAllText(Path.Combine(directory, PatchVerification.FileName), JsonSerializer.Serialize(verification, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        TryDelete(scratch);
        return verification;
    }

    /// <summary>The verification recorded beside <paramref name="patchPath"/>, or null (none was run, or its file is unreadable).</summary>
    public static PatchVerification? ReadBeside(string patchPath)
    {
        var file = Path.Combine(Path.GetDirectoryName(patchPath)!, PatchVerification.FileName);
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<PatchVerification>(File.ReadAllText(file)) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return null;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}

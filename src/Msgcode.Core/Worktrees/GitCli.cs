using System.Diagnostics;
using System.Text;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// Runs the git command line. LibGit2Sharp 0.32 reads repositories well but lacks three operations the
/// worktree loop needs: adding a worktree on a new, named branch (it checks out twice and leaves a branch
/// named after the worktree), binary diffs (libgit2's GIT_DIFF_SHOW_BINARY is not exposed, so binary
/// files would come out as "Binary files differ", which no tool can apply), and applying a patch
/// (git_apply is not bound). Those go through git itself, with a fixed, configuration-proof set of
/// options, so the patch is exactly what <c>git apply</c> expects.
/// </summary>
public static class GitCli
{
    private static readonly string[] NeutralConfig =
    [
        "-c", "core.quotepath=true", "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false", "-c", "diff.external=",
        "-c", "color.ui=false", "-c", "core.pager=cat", "-c", "advice.detachedHead=false",
    ];

    /// <summary>The git executable on PATH, or <see cref="ErrorIds.GitNotFound"/>.</summary>
    public static string Executable()
        => ExecutableLocator.Find("git") ?? throw new MsgcodeException(ErrorIds.GitNotFound, MsgcodeErrorCategory.NotInstalled, "git",
            "git is not on PATH. Worktree isolation needs the git command line (to create worktrees, write binary patches and apply them). Install git and try again.");

    public static GitResult Run(string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(Executable())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in NeutralConfig.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        // Never prompt, never page, never translate messages (stderr is parsed for paths).
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        info.Environment["GIT_PAGER"] = "cat";
        info.Environment["LC_ALL"] = "C";
        info.Environment["LANGUAGE"] = "C";
        info.Environment.Remove("GIT_DIR");
        info.Environment.Remove("GIT_WORK_TREE");
        info.Environment.Remove("GIT_INDEX_FILE");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new MsgcodeException(ErrorIds.GitNotFound, MsgcodeErrorCategory.NotInstalled, "git", "git could not be started.");
        process.StandardInput.Close();
        using var output = new MemoryStream();
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(output, cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            process.WaitForExitAsync(cancellationToken).GetAwaiter().GetResult();
            stdout.GetAwaiter().GetResult();
            return new GitResult(process.ExitCode, output.ToArray(), stderr.GetAwaiter().GetResult());
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            throw;
        }
    }

    /// <summary>Runs git and throws <see cref="ErrorIds.GitCommandFailed"/> when it fails.</summary>
    public static GitResult Require(string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, object? target = null, CancellationToken cancellationToken = default)
    {
        var list = arguments.ToList();
        var result = Run(workingDirectory, list, environment, cancellationToken);
        if (!result.Succeeded)
        {
            throw new MsgcodeException(ErrorIds.GitCommandFailed, MsgcodeErrorCategory.InvalidOperation, target ?? workingDirectory,
                $"'git {string.Join(' ', list.Take(3))}' failed in '{workingDirectory}' (exit code {result.ExitCode}): {result.StdErr.Trim()}");
        }

        return result;
    }

    /// <summary>The NUL-separated fields of a <c>-z</c> output.</summary>
    public static string[] SplitZ(byte[] output) => Encoding.UTF8.GetString(output).Split('\0', StringSplitOptions.RemoveEmptyEntries);
}

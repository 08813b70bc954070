using System.Diagnostics;
using System.Text;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Runners;

/// <summary>
/// Runs a runner where only its working folder (the workspace, or the task's worktree), its run's artifacts folder and
/// the state folders its registry entry names (<c>sandboxWritable</c>, e.g. ~/.claude) can be written; everything else
/// is read-only (/tmp too: the runner gets a temp folder of its own as TMPDIR), and the processes die with their host. Linux: bubblewrap (Debian: bubblewrap).
/// macOS: sandbox-exec with a profile that denies writes elsewhere. The network is not touched (agents need their API).
/// </summary>
public static class Sandbox
{
    /// <summary>The sandbox tool here, or null with the reason.</summary>
    public static (string? Tool, string? Missing) Find()
    {
        if (OperatingSystem.IsLinux())
        {
            return ExecutableLocator.Find("bwrap") is { } bwrap ? (bwrap, null) : (null, "bubblewrap (bwrap) is not installed: sudo apt-get install bubblewrap");
        }

        if (OperatingSystem.IsMacOS())
        {
            return File.Exists("/usr/bin/sandbox-exec") ? ("/usr/bin/sandbox-exec", null) : (null, "/usr/bin/sandbox-exec is missing");
        }

        return (null, "no sandbox tool is supported on Windows");
    }

    /// <summary>
    /// Rewrites <paramref name="info"/> to run inside the sandbox. <paramref name="readOnly"/> folders are made read-only
    /// again inside writable ones (the main tree under the user's home), then <paramref name="writable"/> ones are opened.
    /// The runner gets a temp folder of its own (TMPDIR), returned for the caller to remove after the run: /tmp itself
    /// stays read-only (a private empty /tmp would hide files the runner must read there).
    /// </summary>
    public static string Wrap(ProcessStartInfo info, IReadOnlyList<string> writable, IReadOnlyList<string> readOnly)
    {
        var (tool, missing) = Find();
        if (tool is null)
        {
            throw new MsgcodeException(ErrorIds.SandboxUnavailable, MsgcodeErrorCategory.NotInstalled, "sandbox", $"The run cannot be sandboxed: {missing}. Run it without -Sandbox, or install the tool.");
        }

        var temp = Directory.CreateTempSubdirectory("msgcode-sandbox-").FullName; // 0700 on Unix
        info.Environment["TMPDIR"] = temp;
        writable = [.. writable, temp];
        var program = info.FileName;
        var arguments = info.ArgumentList.ToList();
        info.ArgumentList.Clear();
        info.FileName = tool;
        if (OperatingSystem.IsMacOS())
        {
            var profile = new StringBuilder("(version 1)(allow default)(deny file-write*)(allow file-write* (literal \"/dev/null\") (literal \"/dev/tty\")");
            foreach (var path in writable)
            {
                profile.Append(" (subpath \"").Append(path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\")");
            }

            profile.Append(')');
            foreach (var argument in (string[])["-p", profile.ToString(), program])
            {
                info.ArgumentList.Add(argument);
            }
        }
        else
        {
            foreach (var argument in (string[])["--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid"])
            {
                info.ArgumentList.Add(argument);
            }

            foreach (var path in readOnly)
            {
                Add("--ro-bind-try", path);
            }

            foreach (var path in writable.Where(p => !TooBroad(p)))
            {
                if (path.EndsWith('/') && !Directory.Exists(path))
                {
                    Directory.CreateDirectory(path); // a state folder the runner makes on its first run: made now, so it can be bound
                }

                Add("--bind-try", Path.TrimEndingDirectorySeparator(path));
            }

            if (!string.IsNullOrEmpty(info.WorkingDirectory))
            {
                info.ArgumentList.Add("--chdir");
                info.ArgumentList.Add(info.WorkingDirectory);
            }

            info.ArgumentList.Add("--");
            info.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return temp;

        void Add(string option, string path)
        {
            info.ArgumentList.Add(option);
            info.ArgumentList.Add(path);
            info.ArgumentList.Add(path);
        }
    }

    /// <summary>~ and {env:NAME|fallback} in an entry's path.</summary>
    public static string ExpandPath(string path)
    {
        path = System.Text.RegularExpressions.Regex.Replace(path, @"\{env:([A-Za-z_][A-Za-z0-9_]*)\|?([^}]*)\}",
            m => Environment.GetEnvironmentVariable(m.Groups[1].Value) is { Length: > 0 } value ? value : m.Groups[2].Value);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        path = path == "~" ? home : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;
        var folder = path.EndsWith('/');
        var full = Path.GetFullPath(path); // "<file>/.." names the file's folder
        return folder && !full.EndsWith('/') ? full + "/" : full;
    }

    /// <summary>Paths never opened for writing, whatever an entry says: the root and the home folder themselves.</summary>
    public static bool TooBroad(string path)
    {
        var trimmed = Path.TrimEndingDirectorySeparator(path);
        return trimmed.Length <= 1 || string.Equals(trimmed, Path.TrimEndingDirectorySeparator(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)), StringComparison.Ordinal);
    }
}

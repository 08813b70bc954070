using System.Runtime.Versioning;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Daemon;

/// <summary>
/// Where the daemon's control endpoint lives. The daemon chooses it when it starts and records it in
/// daemon.json, where clients read it; nobody else works it out. On Unix it is a socket (0600) in a folder
/// that only this user may enter (owned by this user, mode 0700):
/// <list type="number">
/// <item><c>&lt;home&gt;/run/daemon.sock</c> when that path fits in a socket address;</item>
/// <item>else <c>$XDG_RUNTIME_DIR/msgcode/daemon-&lt;hash&gt;.sock</c> when XDG_RUNTIME_DIR is a folder of this user's that nobody
/// else may write to;</item>
/// <item>else <c>daemon.sock</c> in a folder made by mkdtemp in the temp folder (a random name, created 0700 in one step),
/// which the daemon removes when it stops; the next daemon of the home removes one a killed daemon left.</item>
/// </list>
/// Never a name another local user can predict and take first. On Windows a named pipe limited to the current user.
/// </summary>
public sealed class ControlEndpoint
{
    /// <summary>
    /// The longest socket path used, in bytes: a socket address holds 104 bytes on macOS and 108 on Linux,
    /// the terminating NUL included.
    /// </summary>
    public const int MaxSocketPathBytes = 100;

    public const string SocketName = "daemon.sock";

    public const string RuntimeFolderName = "msgcode";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private ControlEndpoint(string path, string? tempFolder, string? note)
    {
        Path = path;
        TempFolder = tempFolder;
        Note = note;
    }

    /// <summary>The socket path (a pipe name on Windows).</summary>
    public string Path { get; }

    /// <summary>The mkdtemp folder made for this daemon's socket, or null when the socket lives elsewhere.</summary>
    public string? TempFolder { get; }

    /// <summary>Why XDG_RUNTIME_DIR was set but passed over (for the log), or null.</summary>
    public string? Note { get; }

    /// <summary>
    /// Chooses the endpoint and makes its folder; removes the temp folders of earlier daemons of this home first
    /// (the caller holds the home's daemon lock, so none of them is live). Throws
    /// <see cref="ErrorIds.DaemonEndpointNotPrivate"/> when the folder exists but is not this user's alone.
    /// </summary>
    public static ControlEndpoint Prepare(DaemonFiles files, Func<string, string?> environment, DaemonStatusRecord? previous = null)
    {
        var hash = HomeHash(files.Home.Path);
        if (OperatingSystem.IsWindows())
        {
            return new ControlEndpoint("msgcode-" + hash, null, null);
        }

        var tempRoots = TempRoots(environment);
        RemoveStaleTempFolders(hash, tempRoots, previous);

        var inHome = System.IO.Path.Combine(files.RunDirectory, SocketName);
        if (Fits(inHome))
        {
            EnsurePrivateFolder(files.RunDirectory);
            return new ControlEndpoint(inHome, null, null);
        }

        string? note = null;
        var runtime = environment("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime))
        {
            var folder = System.IO.Path.Combine(runtime, RuntimeFolderName);
            var path = System.IO.Path.Combine(folder, $"daemon-{hash}.sock");
            note = RuntimeDirectoryProblem(runtime) ?? (Fits(path) ? null : $"'{path}' is too long for a socket address");
            if (note is null)
            {
                EnsurePrivateFolder(folder);
                return new ControlEndpoint(path, null, null);
            }
        }

        var failures = new List<string>();
        var prefix = TempFolderPrefix(hash);
        foreach (var root in tempRoots)
        {
            if (!Fits(System.IO.Path.Combine(root, prefix + "XXXXXX", SocketName)))
            {
                failures.Add($"'{root}' is too long a path for a socket address");
                continue;
            }

            if (ParentProblem(root) is { } problem)
            {
                failures.Add(problem);
                continue;
            }

            string folder;
            try
            {
                folder = NativeFs.MakeUniqueDirectory(root, prefix);
            }
            catch (IOException ex)
            {
                failures.Add(ex.Message);
                continue;
            }

            VerifyPrivate(folder);
            return new ControlEndpoint(System.IO.Path.Combine(folder, SocketName), folder, note);
        }

        throw new MsgcodeException(ErrorIds.DaemonEndpointUnavailable, MsgcodeErrorCategory.ResourceUnavailable, files.Home.Path,
            $"The daemon found no place for its control socket: the msgcode home's path is too long for a socket address, and {string.Join("; ", failures)}. " +
            "Use a shorter MSGCODE_HOME, or set TMPDIR to a short folder of yours.");
    }

    /// <summary>Removes the temp folder made for this daemon (the socket in it is already closed and removed).</summary>
    public void Release()
    {
        if (TempFolder is not null)
        {
            TryRemoveOwnFolder(TempFolder);
        }
    }

    /// <summary>The name of the home in names of the shared folders: the first 12 hex digits of the SHA-256 of its path.</summary>
    public static string HomeHash(string homePath)
        => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(homePath)))[..12].ToLowerInvariant();

    private static string TempFolderPrefix(string hash) => $"msgcode-{hash}-";

    private static bool Fits(string socketPath) => System.Text.Encoding.UTF8.GetByteCount(socketPath) < MaxSocketPathBytes;

    /// <summary>TMPDIR (as .NET's temp path reads it), then /tmp for when TMPDIR is too long or unusable.</summary>
    private static List<string> TempRoots(Func<string, string?> environment)
    {
        var roots = new List<string>();
        var tmpdir = environment("TMPDIR");
        if (!string.IsNullOrEmpty(tmpdir) && System.IO.Path.IsPathRooted(tmpdir))
        {
            roots.Add(System.IO.Path.TrimEndingDirectorySeparator(tmpdir));
        }

        if (!roots.Contains("/tmp", StringComparer.Ordinal))
        {
            roots.Add("/tmp");
        }

        return roots;
    }

    /// <summary>Null when XDG_RUNTIME_DIR is a folder of this user's that no one else may write to; else why not.</summary>
    private static string? RuntimeDirectoryProblem(string runtime)
    {
        if (!System.IO.Path.IsPathRooted(runtime))
        {
            return $"'{runtime}' is not an absolute path";
        }

        if (!NativeFs.TryGetOwnership(System.IO.Path.Combine(runtime, "."), out var facts) || facts.Kind != NativeFs.EntryKind.Directory)
        {
            return $"'{runtime}' is not a folder";
        }

        if (facts.OwnerId != NativeFs.EffectiveUserId())
        {
            return $"'{runtime}' belongs to user id {facts.OwnerId}, not to this user";
        }

        if ((facts.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            return $"others may write to '{runtime}' (mode {Octal(facts.Mode)})";
        }

        return null;
    }

    /// <summary>
    /// Null when a name made in <paramref name="root"/> stays ours: the folder is ours, or no one else may write to it,
    /// or it is sticky (/tmp), where only a name's owner may rename or remove it.
    /// </summary>
    private static string? ParentProblem(string root)
    {
        if (!NativeFs.TryGetOwnership(System.IO.Path.Combine(root, "."), out var facts) || facts.Kind != NativeFs.EntryKind.Directory)
        {
            return $"'{root}' is not a folder";
        }

        if (facts.OwnerId == NativeFs.EffectiveUserId()
            || (facts.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0 || (facts.Mode & UnixFileMode.StickyBit) != 0)
        {
            return null;
        }

        return $"others may rename what is in '{root}' (mode {Octal(facts.Mode)}, not sticky)";
    }

    /// <summary>Makes the folder (0700) when it is missing, then checks that it is this user's alone.</summary>
    [UnsupportedOSPlatform("windows")]
    private static void EnsurePrivateFolder(string folder)
    {
        if (!NativeFs.TryGetOwnership(folder, out _))
        {
            try
            {
                Directory.CreateDirectory(folder, OwnerOnly);
                File.SetUnixFileMode(folder, OwnerOnly); // ours, just made: exactly 0700 whatever the umask
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new MsgcodeException(ErrorIds.DaemonEndpointUnavailable, MsgcodeErrorCategory.ResourceUnavailable, folder,
                    $"The daemon could not make the folder for its control socket '{folder}': {ex.Message}", ex);
            }
        }

        VerifyPrivate(folder);
    }

    /// <summary>Refuses a folder that is not a real folder, owned by this user, with mode 0700.</summary>
    private static void VerifyPrivate(string folder)
    {
        string? problem;
        if (!NativeFs.TryGetOwnership(folder, out var facts))
        {
            problem = "it could not be examined";
        }
        else if (facts.Kind != NativeFs.EntryKind.Directory)
        {
            problem = facts.Kind == NativeFs.EntryKind.SymbolicLink ? "it is a symbolic link" : "it is not a folder";
        }
        else if (facts.OwnerId != NativeFs.EffectiveUserId())
        {
            problem = $"it belongs to user id {facts.OwnerId}, not to you (user id {NativeFs.EffectiveUserId()})";
        }
        else if (facts.Mode != OwnerOnly)
        {
            problem = $"its mode is {Octal(facts.Mode)}, not 700";
        }
        else
        {
            return;
        }

        throw new MsgcodeException(ErrorIds.DaemonEndpointNotPrivate, MsgcodeErrorCategory.SecurityError, folder,
            $"The daemon will not put its control socket in '{folder}': {problem}. The folder must be yours alone (owned by you, mode 700), " +
            $"or anyone who can enter it could take the daemon's place. Remove it (msgcode makes it again) or, if it is yours, run chmod 700 '{folder}'.");
    }

    /// <summary>
    /// Removes the temp folders earlier daemons of this home left (a killed daemon cannot clean up): those named for this
    /// home in the temp folders, and the one daemon.json names. Only real folders owned by this user are touched.
    /// </summary>
    private static void RemoveStaleTempFolders(string hash, IEnumerable<string> tempRoots, DaemonStatusRecord? previous)
    {
        var prefix = TempFolderPrefix(hash);
        var candidates = new List<string>();
        foreach (var root in tempRoots)
        {
            try
            {
                candidates.AddRange(Directory.EnumerateDirectories(root, prefix + "*"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        if (!string.IsNullOrEmpty(previous?.Endpoint) && System.IO.Path.GetDirectoryName(previous.Endpoint) is { Length: > 0 } earlier
            && System.IO.Path.GetFileName(earlier).StartsWith(prefix, StringComparison.Ordinal))
        {
            candidates.Add(earlier);
        }

        foreach (var folder in candidates.Distinct(StringComparer.Ordinal))
        {
            if (System.IO.Path.GetFileName(folder).Length == prefix.Length + 6)
            {
                TryRemoveOwnFolder(folder);
            }
        }
    }

    private static void TryRemoveOwnFolder(string folder)
    {
        if (!NativeFs.TryGetOwnership(folder, out var facts) || facts.Kind != NativeFs.EntryKind.Directory || facts.OwnerId != NativeFs.EffectiveUserId())
        {
            return;
        }

        try
        {
            Directory.Delete(folder, recursive: true); // removes links inside, never what they point to
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(3, '0');
}

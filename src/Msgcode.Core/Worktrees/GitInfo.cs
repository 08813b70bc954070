using LibGit2Sharp;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Worktrees;

/// <summary>What LibGit2Sharp (and its native libgit2) can tell about this machine and a folder.</summary>
public static class GitInfo
{
    /// <summary>The libgit2 version and features; loading it proves the native library was found.</summary>
    public static string LibraryVersion()
    {
        try
        {
            return GlobalSettings.Version.ToString();
        }
        catch (TypeInitializationException ex)
        {
            throw new MsgcodeException(ErrorIds.GitNativeLibraryUnavailable, MsgcodeErrorCategory.NotInstalled, "libgit2",
                $"The native git library could not be loaded ({ex.InnerException?.Message ?? ex.Message}). Reinstall the module for this platform ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}).", ex);
        }
        catch (DllNotFoundException ex)
        {
            throw new MsgcodeException(ErrorIds.GitNativeLibraryUnavailable, MsgcodeErrorCategory.NotInstalled, "libgit2",
                $"The native git library could not be loaded ({ex.Message}). Reinstall the module for this platform ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}).", ex);
        }
    }

    /// <summary>The top of the git repository containing <paramref name="path"/>, or null.</summary>
    public static string? FindRepositoryRoot(string path)
    {
        var gitDir = Repository.Discover(path);
        if (gitDir is null)
        {
            return null;
        }

        using var repository = new Repository(gitDir);
        return repository.Info.WorkingDirectory?.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
    }
}

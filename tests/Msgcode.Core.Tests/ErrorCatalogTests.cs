using System.Text.RegularExpressions;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Tests;

public class ErrorCatalogTests
{
    /// <summary>Ids whose failure cannot be provoked on this machine, each with the reason.</summary>
    private static readonly Dictionary<string, string> NotProvokable = new()
    {
        [ErrorIds.GitNativeLibraryUnavailable] = "needs a platform without a libgit2 build; the loader itself is tested through Get-MsgcodeVersion",
        [ErrorIds.DaemonStopFailed] = "needs a process that survives SIGKILL",
        [ErrorIds.DaemonEndpointUnavailable] = "needs a socket path the daemon cannot bind while holding its lock",
        [ErrorIds.FileReadFailed] = "reserved for readers of later stores",
        [ErrorIds.DaemonStartFailed] = "needs a daemon that dies while starting; provoked once a preflight can refuse a start",
    };

    [Fact]
    public void Ids_are_unique_PascalCase()
    {
        Assert.Equal(ErrorIds.All.Count, ErrorIds.All.Distinct().Count());
        Assert.All(ErrorIds.All, id => Assert.Matches("^[A-Z][A-Za-z0-9]+$", id));
    }

    [Fact]
    public void Every_id_is_asserted_by_a_test()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Msgcode.PowerShell.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        var tests = Directory.EnumerateFiles(Path.Combine(root, "tests"), "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".ps1", StringComparison.Ordinal)) && !f.EndsWith("ErrorCatalogTests.cs", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        var untested = ErrorIds.All
            .Where(id => !NotProvokable.ContainsKey(id))
            .Where(id => !tests.Any(t => Regex.IsMatch(t, $@"(ErrorIds\.{id}\b|'{id},|'{id}'|""{id}""|\b{id},\*)")))
            .ToList();
        Assert.True(untested.Count == 0, "ErrorIds without a test: " + string.Join(", ", untested));
    }
}

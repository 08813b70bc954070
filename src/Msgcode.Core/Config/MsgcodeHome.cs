namespace Msgcode.Core.Config;

/// <summary>
/// Where msgcode keeps its per-user files. <c>~/.config/msgcode</c> unless
/// <c>MSGCODE_HOME</c> is set; tests always set it.
/// </summary>
public sealed class MsgcodeHome
{
    public const string HomeVariable = "MSGCODE_HOME";

    public MsgcodeHome(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    public string StateFile => System.IO.Path.Combine(Path, "state.json");

    public string EnvFile => System.IO.Path.Combine(Path, ".env");

    /// <summary>msgcode's own store of secret settings when no SecretManagement vault is registered; created 0600.</summary>
    public string SecretsFile => System.IO.Path.Combine(Path, "secrets.json");

    /// <summary>The files of the home that may hold a secret: each is written readable by its owner only, and the doctor warns when one is not.</summary>
    public IReadOnlyList<string> PrivateFiles => [StateFile, EnvFile, SecretsFile, RoutesFile];

    public string PidFile => System.IO.Path.Combine(Path, "pid");

    public string DaemonStatusFile => System.IO.Path.Combine(Path, "daemon.json");

    public string DaemonLockFile => System.IO.Path.Combine(Path, "daemon.lock");

    public string LogDirectory => System.IO.Path.Combine(Path, "log");

    public string LogFile => System.IO.Path.Combine(LogDirectory, "msgcode.log");

    public string RoutesFile => System.IO.Path.Combine(Path, "routes.json");

    public string JobsFile => System.IO.Path.Combine(Path, "jobs.json");

    public string CapabilitiesFile => System.IO.Path.Combine(Path, "capabilities.json");

    /// <summary>The home for this process: <c>MSGCODE_HOME</c>, else <c>~/.config/msgcode</c>.</summary>
    public static MsgcodeHome Resolve(IReadOnlyDictionary<string, string>? environment = null)
    {
        string? configured = null;
        if (environment is not null)
        {
            environment.TryGetValue(HomeVariable, out configured);
        }
        else
        {
            configured = Environment.GetEnvironmentVariable(HomeVariable);
        }

        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new MsgcodeHome(ExpandHome(configured));
        }

        return new MsgcodeHome(System.IO.Path.Combine(UserHome(), ".config", "msgcode"));
    }

    public static string UserHome()
    {
        var home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        return home;
    }

    /// <summary>Expands a leading <c>~</c> to the user's home folder.</summary>
    public static string ExpandHome(string path)
    {
        if (path == "~")
        {
            return UserHome();
        }

        if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            return System.IO.Path.Combine(UserHome(), path[2..]);
        }

        return path;
    }

    public override string ToString() => Path;
}

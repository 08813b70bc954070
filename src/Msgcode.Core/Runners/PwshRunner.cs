using System.Diagnostics;

namespace Msgcode.Core.Runners;

/// <summary>
/// The offline runner: the payload is a PowerShell script, run in a fresh pwsh (a fresh process, so a fresh
/// runspace that Ctrl+C can stop with everything it started) with the workspace as working directory.
/// </summary>
public sealed class PwshRunner : IRunner
{
    private readonly string _executable;
    private readonly IReadOnlyList<string> _prefix;

    /// <param name="executable">pwsh, or dotnet when pwsh runs as a dotnet tool.</param>
    /// <param name="prefixArguments">Arguments before pwsh's own (the tool's pwsh.dll).</param>
    public PwshRunner(string executable, IReadOnlyList<string> prefixArguments)
    {
        _executable = executable;
        _prefix = prefixArguments;
    }

    public string Kind => "pwsh";

    public Task<RunnerResult> RunAsync(RunnerRequest request, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(request.ArtifactDirectory);
        var script = Path.Combine(request.ArtifactDirectory, "script.ps1");
        Storage.AtomicFile.WriteAllText(script, request.Payload, new Storage.AtomicWriteOptions { OwnerOnly = true, Fsync = false }); // only the user may read the prompt
        var info = new ProcessStartInfo(_executable);
        foreach (var argument in _prefix)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var argument in new[] { "-NoProfile", "-NonInteractive", "-NoLogo", "-File", script })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in request.Context)
        {
            info.Environment["MSGCODE_" + key.ToUpperInvariant()] = value; // MSGCODE_TASKID, MSGCODE_RUNID
        }

        info.Environment[RunnerFiles.Variable] = RunnerFiles.AsLines(request.Files);

        return ProcessExecution.RunAsync(info, request, standardInput: null, cancellationToken);
    }
}

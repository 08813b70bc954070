using System.Diagnostics;

namespace Msgcode.Core.Runners;

/// <summary>
/// The payload is a command line for the platform's shell. On Unix it is written byte for byte to a script that only
/// the user can read (<c>script.sh</c> in the run's artifacts) and run as <c>/bin/sh script.sh</c>: the prompt never
/// appears in a process's arguments, where every local user can read it. On Windows: cmd.exe /c.
/// </summary>
public sealed class ShellRunner : IRunner
{
    public string Kind => "shell";

    public Task<RunnerResult> RunAsync(RunnerRequest request, CancellationToken cancellationToken)
    {
        ProcessStartInfo info;
        if (OperatingSystem.IsWindows())
        {
            info = new ProcessStartInfo(Environment.GetEnvironmentVariable("ComSpec") ?? "cmd.exe");
            info.ArgumentList.Add("/d");
            info.ArgumentList.Add("/s");
            info.ArgumentList.Add("/c");
            info.ArgumentList.Add(request.Payload);
        }
        else
        {
            Directory.CreateDirectory(request.ArtifactDirectory);
            var script = Path.Combine(request.ArtifactDirectory, "script.sh");
            // 0600 from its creation, written in place (no temp file, no rename, no fsync): only this run reads it, at once.
            using (var file = new FileStream(script, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
                file.Write(System.Text.Encoding.UTF8.GetBytes(request.Payload));
            }

            info = new ProcessStartInfo("/bin/sh");
            info.ArgumentList.Add(script);
        }

        foreach (var (key, value) in request.Context)
        {
            info.Environment["MSGCODE_" + key.ToUpperInvariant()] = value; // MSGCODE_TASKID, MSGCODE_RUNID
        }

        info.Environment[RunnerFiles.Variable] = RunnerFiles.AsLines(request.Files);

        return ProcessExecution.RunAsync(info, request, standardInput: null, cancellationToken);
    }
}

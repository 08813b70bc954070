using System.Diagnostics;

namespace Msgcode.Core.Runners;

/// <summary>The payload is a command line for the platform's shell: /bin/sh -c on Unix, cmd.exe /c on Windows.</summary>
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
            info = new ProcessStartInfo("/bin/sh");
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(request.Payload);
        }

        foreach (var (key, value) in request.Context)
        {
            info.Environment["MSGCODE_" + key.ToUpperInvariant()] = value; // MSGCODE_TASKID, MSGCODE_RUNID
        }

        return ProcessExecution.RunAsync(info, request, standardInput: null, cancellationToken);
    }
}

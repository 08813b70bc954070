using System.Diagnostics;
using Msgcode.Core.Errors;
using StreamJsonRpc;

namespace Msgcode.Core.Channels;

/// <summary>The imsg process: started as <c>&lt;imsg&gt; rpc</c>, stopped, and asked its version.</summary>
internal static class ImsgProcess
{
    /// <summary>Starts <c>&lt;imsg&gt; rpc</c> with its input and output redirected; its error output is drained and ignored.</summary>
    public static Process StartRpc(string path)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("rpc");
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("the process did not start");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new MsgcodeException(ErrorIds.ImsgUnavailable, MsgcodeErrorCategory.NotInstalled, path, $"imsg could not be started: {ex.Message}", ex);
        }

        process.ErrorDataReceived += (_, _) => { }; // stderr is drained and ignored, as in the original
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Closes imsg's input, waits up to 5 s, then kills it; returns its exit code when it exited on its own.</summary>
    public static async Task<int?> StopAsync(Process process, JsonRpc rpc)
    {
        int? code = null;
        try
        {
            process.StandardInput.Close(); // imsg ends on end of input
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
        }

        rpc.Dispose();
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            code = process.ExitCode;
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
        }

        process.Dispose();
        return code;
    }

    /// <summary>Runs <c>imsg --version</c>; null when it cannot be run.</summary>
    public static string? ProbeVersion(string path, TimeSpan timeout)
    {
        try
        {
            var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("--version");
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? output.Result.Trim().Split('\n')[0].Trim() : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}

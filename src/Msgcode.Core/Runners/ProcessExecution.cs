using System.Diagnostics;
using System.Text;

namespace Msgcode.Core.Runners;

/// <summary>
/// Runs one child process for a runner: working directory, environment allow-list, timeout, Ctrl+C, and
/// output capture (all of it to an artifact file up to a hard ceiling, the first MaxOutputBytes in memory).
/// Cancellation and timeouts kill the whole process tree.
/// </summary>
public static class ProcessExecution
{
    /// <param name="onLine">When set, stdout is an event stream: each line is handed to it as it arrives, and the artifact
    /// (<paramref name="outputName"/>) gets the lines with every secret value redacted.</param>
    public static async Task<RunnerResult> RunAsync(ProcessStartInfo info, RunnerRequest request, string? standardInput, CancellationToken cancellationToken,
        Action<string>? onLine = null, string outputName = "output.txt")
    {
        var constraints = request.Constraints;
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        info.StandardOutputEncoding = Encoding.UTF8;
        info.StandardErrorEncoding = Encoding.UTF8;
        info.StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false); // the prompt byte for byte: no BOM
        info.WorkingDirectory = constraints.WorkingDirectory ?? request.WorkspacePath;
        if (!OperatingSystem.IsWindows())
        {
            // Programs that take their folder from $PWD (OpenCode, shells' `pwd -L`) must see the folder they run in,
            // not the one the host was started from: pwsh never updates the PWD variable it passes on.
            info.Environment["PWD"] = info.WorkingDirectory;
        }

        if (constraints.EnvironmentAllowList is { } allow)
        {
            var keep = new HashSet<string>(allow.Concat(["PATH", "HOME", "USERPROFILE", "SystemRoot", "TEMP", "TMP", "TMPDIR", RunGuard.Variable]), StringComparer.OrdinalIgnoreCase);
            foreach (var name in info.Environment.Keys.ToList())
            {
                if (!keep.Contains(name))
                {
                    info.Environment.Remove(name);
                }
            }
        }

        foreach (var name in constraints.HiddenVariables)
        {
            info.Environment.Remove(name);
        }

        info.Environment[RunGuard.Variable] = RunGuard.Marker; // inherited by all it starts: found and killed if this host dies
        string? sandboxTemp = null;
        if (constraints.SandboxWritable is { } writable)
        {
            try
            {
                sandboxTemp = Sandbox.Wrap(info, [info.WorkingDirectory, request.ArtifactDirectory, .. writable], constraints.SandboxReadOnly);
            }
            catch (Errors.MsgcodeException ex)
            {
                return new RunnerResult { Status = RunStatuses.Failed, ErrorCode = ex.ErrorId, ErrorMessage = ex.Message };
            }
        }

        try
        {
            return await RunProcessAsync(info, request, standardInput, cancellationToken, onLine, outputName).ConfigureAwait(false);
        }
        finally
        {
            if (sandboxTemp is not null)
            {
                try
                {
                    Directory.Delete(sandboxTemp, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }

    private static async Task<RunnerResult> RunProcessAsync(ProcessStartInfo info, RunnerRequest request, string? standardInput, CancellationToken cancellationToken,
        Action<string>? onLine, string outputName)
    {
        var constraints = request.Constraints;

        var outputPath = Path.Combine(request.ArtifactDirectory, outputName);
        var errorPath = Path.Combine(request.ArtifactDirectory, "errors.txt");

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("no process");
        }
        catch (System.ComponentModel.Win32Exception ex) when (ex.NativeErrorCode == 7 && !OperatingSystem.IsWindows())
        {
            // E2BIG: one argument over 128 KiB, or all of them with the environment over the system's limit.
            return new RunnerResult
            {
                Status = RunStatuses.Failed,
                ErrorCode = Errors.ErrorIds.RunnerArgumentsTooLong,
                ErrorMessage = $"'{info.FileName}' could not be started: its arguments are longer than the system allows (Argument list too long, "
                    + $"{info.ArgumentList.Sum(a => (long)Encoding.UTF8.GetByteCount(a)):N0} bytes). Pass the prompt on standard input (\"prompt\": \"stdin\" in the runner's entry) or in a file.",
            };
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new RunnerResult
            {
                Status = RunStatuses.Failed,
                ErrorCode = Errors.ErrorIds.RunnerNotFound,
                ErrorMessage = $"Could not start '{info.FileName}': {ex.Message}",
            };
        }

        using (process)
        {
            using var timeout = new CancellationTokenSource(constraints.Timeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            using var killOnCancel = linked.Token.Register(() => Kill(process));
            // No input: close the pipe here (the child sees end of file) rather than on a pool thread.
            var stdin = standardInput is null ? CloseInput(process) : Task.Run(async () =>
            {
                try
                {
                    await process.StandardInput.WriteAsync(standardInput).ConfigureAwait(false);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                }
            }, CancellationToken.None);
            var stdout = onLine is null
                ? CaptureAsync(process.StandardOutput.BaseStream, outputPath, constraints)
                : CaptureLinesAsync(process.StandardOutput.BaseStream, outputPath, constraints, onLine, request.Secrets);
            var stderr = CaptureAsync(process.StandardError.BaseStream, errorPath, constraints with { MaxOutputBytes = Math.Min(constraints.MaxOutputBytes, 64 * 1024) });
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            var (output, outputCut, outputSaved, outputFailure) = await stdout.ConfigureAwait(false);
            var (errors, _, errorsSaved, errorsFailure) = await stderr.ConfigureAwait(false);
            await stdin.ConfigureAwait(false);

            var artifacts = new List<string>();
            if (outputSaved)
            {
                artifacts.Add(outputPath);
            }

            if (errorsSaved)
            {
                artifacts.Add(errorPath);
            }

            if ((outputFailure ?? errorsFailure) is { } failure && !cancellationToken.IsCancellationRequested)
            {
                // The child ran to its end (its output was drained), but what it printed could not all be kept.
                return new RunnerResult
                {
                    Status = RunStatuses.Failed,
                    ErrorCode = IsDiskFull(failure) ? Errors.ErrorIds.DiskFull : Errors.ErrorIds.FileWriteFailed,
                    ErrorMessage = $"The runner's output could not be saved under {request.ArtifactDirectory} ({failure.Message}); the process ran to its end (exit code {process.ExitCode}) and the rest of its output was dropped. Free some space and run it again.",
                    Artifacts = artifacts,
                    Output = output,
                    OutputTruncated = true,
                    ExitCode = process.ExitCode,
                };
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return new RunnerResult { Status = RunStatuses.Canceled, ErrorCode = Errors.ErrorIds.RunCanceled, ErrorMessage = "The run was canceled; its process tree was stopped.", Artifacts = artifacts, Output = output, OutputTruncated = outputCut };
            }

            if (timeout.IsCancellationRequested)
            {
                return new RunnerResult { Status = RunStatuses.TimedOut, ErrorCode = Errors.ErrorIds.RunnerTimedOut, ErrorMessage = $"The runner did not finish within {constraints.Timeout.TotalSeconds:0} s and was stopped with its children.", Artifacts = artifacts, Output = output, OutputTruncated = outputCut };
            }

            if (process.ExitCode != 0)
            {
                var tail = System.Text.RegularExpressions.Regex.Replace(errors, "\u001b\\[[0-9;]*[A-Za-z]", string.Empty).Trim(); // no terminal colours in a message
                if (tail.Length > 500)
                {
                    tail = "..." + tail[^500..];
                }

                return new RunnerResult
                {
                    Status = RunStatuses.Failed,
                    ErrorCode = Errors.ErrorIds.RunnerFailed,
                    ErrorMessage = $"The runner exited with code {process.ExitCode}{(tail.Length > 0 ? ": " + tail : ".")}",
                    Artifacts = artifacts,
                    Output = output,
                    OutputTruncated = outputCut,
                    ExitCode = process.ExitCode,
                };
            }

            return new RunnerResult { Status = RunStatuses.Succeeded, Artifacts = artifacts, Output = output, OutputTruncated = outputCut, ExitCode = 0 };
        }
    }

    private static Task CloseInput(Process process)
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    /// <returns>The text kept in memory, whether it was cut, whether the artifact file was written (an empty stream writes
    /// none), and the error that stopped the artifact (a full disk): past it the output is drained and dropped, so the
    /// child never blocks on a full pipe.</returns>
    private static async Task<Capture> CaptureAsync(Stream source, string artifactPath, RunnerConstraints constraints)
    {
        var kept = new MemoryStream();
        var truncated = false;
        long written = 0;
        IOException? failure = null;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920); // two per run: not allocated (and zeroed) anew each time
        Storage.AtomicFileStream? artifact = null; // created on the first byte: an empty output costs no file at all
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                if (failure is null && written < constraints.MaxArtifactBytes)
                {
                    try
                    {
                        artifact ??= new Storage.AtomicFileStream(artifactPath);
                        var n = (int)Math.Min(read, constraints.MaxArtifactBytes - written);
                        await artifact.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
                        written += n;
                    }
                    catch (IOException ex)
                    {
                        failure = ex; // the partial artifact is dropped below (its space is given back); reading goes on
                        artifact?.Dispose();
                        artifact = null;
                    }
                }

                if (kept.Length < constraints.MaxOutputBytes)
                {
                    var n = (int)Math.Min(read, constraints.MaxOutputBytes - kept.Length);
                    kept.Write(buffer, 0, n);
                    truncated |= n < read;
                }
                else
                {
                    truncated = true; // keep draining so the child never blocks on a full pipe
                }
            }

            if (artifact is not null && failure is null)
            {
                try
                {
                    artifact.Commit();
                }
                catch (IOException ex)
                {
                    failure = ex;
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            if (artifact is not null)
            {
                await artifact.DisposeAsync().ConfigureAwait(false);
            }
        }

        return new Capture(Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length), truncated, artifact is not null && failure is null, failure);
    }

    private sealed record Capture(string Text, bool Truncated, bool Saved, IOException? Failure);

    /// <summary>
    /// An event stream: every line goes to <paramref name="onLine"/> as soon as it is complete, and to the artifact
    /// (redacted, flushed line by line so that a follower sees it); the text kept in memory is the stream itself.
    /// </summary>
    private static async Task<Capture> CaptureLinesAsync(Stream source, string artifactPath, RunnerConstraints constraints, Action<string> onLine, IReadOnlyList<string> secrets)
    {
        var kept = new StringBuilder();
        var truncated = false;
        long written = 0;
        FileStream? artifact = null;
        IOException? failure = null;
        var newline = "\n"u8.ToArray();
        var splitter = new LineSplitter(line =>
        {
            onLine(line);
            var redacted = Redaction.Redact(line, secrets);
            if (failure is null && written < constraints.MaxArtifactBytes)
            {
                try
                {
                    artifact ??= new FileStream(artifactPath, FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete);
                    var bytes = Encoding.UTF8.GetBytes(redacted);
                    var n = (int)Math.Min(bytes.Length, constraints.MaxArtifactBytes - written);
                    artifact.Write(bytes, 0, n);
                    artifact.Write(newline);
                    artifact.Flush();
                    written += n + 1;
                }
                catch (IOException ex)
                {
                    failure = ex; // the events so far stay in the file; the rest is still read (and still feeds onLine)
                }
            }

            if (kept.Length < constraints.MaxOutputBytes)
            {
                kept.Append(redacted).Append('\n');
            }
            else
            {
                truncated = true;
            }
        });
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                splitter.Write(buffer.AsSpan(0, read));
            }

            splitter.Complete();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            if (artifact is not null)
            {
                try
                {
                    await artifact.DisposeAsync().ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    failure ??= ex;
                }
            }
        }

        return new Capture(kept.ToString(), truncated, artifact is not null, failure);
    }

    /// <summary>ENOSPC (and EDQUOT) on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.</summary>
    public static bool IsDiskFull(IOException ex)
        => (ex.HResult & 0xFFFF) is 28 or 122 or 112 or 39 || ex.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}

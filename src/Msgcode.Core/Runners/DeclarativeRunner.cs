using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Runners;

/// <summary>
/// A runner that is only an entry in capabilities.json: a command template run as a process. Adding such
/// an entry to the user's registry adds a working runner with no code change.
/// </summary>
public sealed class DeclarativeRunner : IRunner
{
    private readonly RunnerEntry _entry;

    public DeclarativeRunner(RunnerEntry entry)
    {
        _entry = entry.Command is null ? throw new ArgumentException("A declarative runner needs a command.", nameof(entry)) : entry;
    }

    public string Kind => _entry.Kind;

    public RunnerEntry Entry => _entry;

    public async Task<RunnerResult> RunAsync(RunnerRequest request, CancellationToken cancellationToken)
    {
        var command = _entry.Command!;
        var executable = ExecutableLocator.Find(command.Executable);
        if (executable is null)
        {
            var hint = _entry.Dependencies.FirstOrDefault(d => d.Type == "executable")?.Hint;
            return new RunnerResult
            {
                Status = RunStatuses.Failed,
                ErrorCode = ErrorIds.RunnerUnavailable,
                ErrorMessage = $"The {Kind} runner needs '{command.Executable}', which is not on PATH.{(hint is null ? string.Empty : " " + hint)}",
            };
        }

        Directory.CreateDirectory(request.ArtifactDirectory);
        var outputFile = Path.Combine(request.ArtifactDirectory, "answer.txt");
        var promptFile = Path.Combine(request.ArtifactDirectory, "prompt.txt");
        if (command.Prompt == "file")
        {
            AtomicFile.WriteAllText(promptFile, request.Payload);
        }

        var model = string.IsNullOrWhiteSpace(request.Model) ? "auto" : request.Model!;
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["{prompt}"] = request.Payload,
            ["{promptFile}"] = promptFile,
            ["{workspace}"] = request.Constraints.WorkingDirectory ?? request.WorkspacePath,
            ["{model}"] = model,
            ["{outputFile}"] = outputFile,
        };
        var info = new ProcessStartInfo(executable);
        foreach (var argument in Arguments(command, model == "auto"))
        {
            info.ArgumentList.Add(Expand(argument, values));
        }

        foreach (var (name, value) in command.Environment ?? [])
        {
            info.Environment[name] = Expand(value, values);
        }

        var stdin = command.Prompt == "stdin" ? request.Payload : command.Stdin == "empty" ? string.Empty : null;
        var result = await ProcessExecution.RunAsync(info, request, stdin, cancellationToken).ConfigureAwait(false);
        if (result.Status != RunStatuses.Succeeded || command.Result.From == "stdout")
        {
            return result;
        }

        string answer;
        try
        {
            answer = command.Result.From switch
            {
                "file" => File.Exists(outputFile) ? await File.ReadAllTextAsync(outputFile, cancellationToken).ConfigureAwait(false)
                    : throw new FormatException($"it wrote no answer to {{outputFile}} ({outputFile})"),
                "json" => Field(JsonDocument.Parse(result.Output).RootElement, command.Result.Field!)
                    ?? throw new FormatException($"its JSON has no string at '{command.Result.Field}'"),
                _ => JsonLines(result.Output, command.Result.Field!),
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException or IOException)
        {
            return result with
            {
                Status = RunStatuses.Failed,
                ErrorCode = ErrorIds.RunnerOutputInvalid,
                ErrorMessage = $"The {Kind} runner's output could not be read as {command.Result.From}: {ex.Message}",
            };
        }

        if (command.Result.From != "file")
        {
            AtomicFile.WriteAllText(outputFile, answer);
        }

        return result with { Output = answer, Artifacts = [.. result.Artifacts, outputFile] };
    }

    private static IEnumerable<string> Arguments(RunnerCommand command, bool modelIsAuto)
    {
        var arguments = command.Arguments;
        var omit = command.OmitIfAuto;
        for (var i = 0; i < arguments.Count; i++)
        {
            if (modelIsAuto && omit is { Count: > 0 } && i + omit.Count <= arguments.Count && arguments.Skip(i).Take(omit.Count).SequenceEqual(omit))
            {
                i += omit.Count - 1;
                continue;
            }

            yield return arguments[i];
        }
    }

    private static string Expand(string text, Dictionary<string, string> values)
    {
        foreach (var (placeholder, value) in values)
        {
            text = text.Replace(placeholder, value, StringComparison.Ordinal);
        }

        return text;
    }

    private static string? Field(JsonElement element, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : element.GetRawText();
    }

    private static string JsonLines(string output, string path)
    {
        var builder = new StringBuilder();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith('{'))
            {
                continue; // progress text some CLIs mix in
            }

            using var document = JsonDocument.Parse(line);
            if (Field(document.RootElement, path) is { } value)
            {
                builder.Append(value);
            }
        }

        return builder.Length > 0 ? builder.ToString() : throw new FormatException($"no line has a value at '{path}'");
    }
}

/// <summary>Finds an executable the way a shell would: an absolute path, or the first match on PATH (with PATHEXT on Windows).</summary>
public static class ExecutableLocator
{
    public static string? Find(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : null;
        }

        var extensions = OperatingSystem.IsWindows()
            ? (Environment.GetEnvironmentVariable("PATHEXT") ?? ".EXE;.CMD;.BAT").Split(';').Prepend(string.Empty)
            : [string.Empty];
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var extension in extensions)
            {
                var candidate = Path.Combine(folder, name + extension);
                if (File.Exists(candidate) && (OperatingSystem.IsWindows() || IsExecutable(candidate)))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        var mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}

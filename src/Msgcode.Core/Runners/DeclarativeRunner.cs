using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Runs;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Runners;

/// <summary>
/// A runner that is only an entry in capabilities.json: a command template run as a process. Adding such
/// an entry to the user's registry adds a working runner with no code change.
/// </summary>
public sealed partial class DeclarativeRunner : IRunner
{
    private readonly RunnerEntry _entry;

    public DeclarativeRunner(RunnerEntry entry)
    {
        _entry = entry.Command is null ? throw new ArgumentException("A declarative runner needs a command.", nameof(entry)) : entry;
    }

    public string Kind => _entry.Kind;

    public RunnerEntry Entry => _entry;

    public bool SupportsSessions => _entry.Command?.ResumeArguments is not null;

    public async Task<RunnerResult> RunAsync(RunnerRequest request, CancellationToken cancellationToken)
    {
        var command = _entry.Command!;
        var executable = ExecutableLocator.Find(command.Executable);
        if (executable is null)
        {
            var hint = _entry.Dependencies.FirstOrDefault(d => d.Type == "executable")?.Hint;
            return Failed(ErrorIds.RunnerUnavailable, $"The {Kind} runner needs '{command.Executable}', which is not on PATH.{(hint is null ? string.Empty : " " + hint)}");
        }

        var model = string.IsNullOrWhiteSpace(request.Model) ? "auto" : request.Model!;
        if (model != "auto" && command.ModelPattern is { } pattern && !Regex.IsMatch(model, pattern, RegexOptions.CultureInvariant))
        {
            return Failed(ErrorIds.RunnerModelInvalid, $"The {Kind} runner cannot use the model '{model}'.{(command.ModelHint is null ? string.Empty : " " + command.ModelHint)}");
        }

        if (command.RequiresFile && request.Files.Count == 0)
        {
            return Failed(ErrorIds.RunnerInputMissing, $"The {Kind} runner reads a file ({string.Join(", ", _entry.Inputs)}), and none was given. Pass one: Invoke-MsgcodeRunner {Kind} -File <path>, or New-MsgcodeTask -File.");
        }

        var template = command.Arguments;
        if (request.ResumeSession is not null)
        {
            if (command.ResumeArguments is null)
            {
                return Failed(ErrorIds.RunnerSessionUnsupported, $"The {Kind} runner cannot continue a session: its registry entry has no 'resumeArguments'.");
            }

            template = command.ResumeArguments;
        }

        Directory.CreateDirectory(request.ArtifactDirectory);
        var outputFile = Path.Combine(request.ArtifactDirectory, "answer.txt");
        var promptFile = Path.Combine(request.ArtifactDirectory, "prompt.txt");
        var prompt = command.FilesInPrompt ? RunnerFiles.AppendToPrompt(request.Payload, request.Files) : request.Payload;
        if (command.Prompt == "file")
        {
            AtomicFile.WriteAllText(promptFile, prompt);
        }

        var config = RunnerProbe.ConfigExpander(ConfigResolver.ResolveCached(ConfigSources.ForCurrentProcess(Directory.Exists(request.WorkspacePath) ? request.WorkspacePath : null)));
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["{prompt}"] = prompt,
            ["{file}"] = request.Files.Count > 0 ? request.Files[0] : string.Empty,
            ["{promptFile}"] = promptFile,
            ["{workspace}"] = request.Constraints.WorkingDirectory ?? request.WorkspacePath,
            ["{model}"] = model,
            ["{outputFile}"] = outputFile,
            ["{session}"] = request.ResumeSession ?? string.Empty,
            // A CLI with a sandbox of its own (codex) cannot nest it inside msgcode's: msgcode's then does the isolating.
            ["{sandbox}"] = request.Constraints.SandboxWritable is null ? "inner" : "outer",
        };
        var info = new ProcessStartInfo(executable);
        foreach (var argument in Arguments(template, command.OmitIfAuto, model == "auto"))
        {
            foreach (var expanded in argument == "{files}" ? request.Files : [Expand(argument, values, config)])
            {
                info.ArgumentList.Add(expanded);
            }
        }

        foreach (var folder in command.FileFolderArguments is { Count: > 0 } ? RunnerFiles.Folders(request.Files) : [])
        {
            foreach (var argument in command.FileFolderArguments!)
            {
                info.ArgumentList.Add(argument.Replace("{fileFolder}", folder, StringComparison.Ordinal));
            }
        }

        foreach (var (name, value) in command.Environment ?? [])
        {
            info.Environment[name] = Expand(value, values, config);
        }

        if (command.PathPrepend is { Count: > 0 } prepend && PrependFolders(executable, prepend) is { Count: > 0 } folders)
        {
            info.Environment["PATH"] = string.Join(Path.PathSeparator, [.. folders, info.Environment.TryGetValue("PATH", out var path) ? path ?? string.Empty : string.Empty]);
        }

        var stdin = command.Prompt switch
        {
            "stdin" => prompt,
            "stdin-json" => JsonSerializer.Serialize(new Dictionary<string, object> { ["prompt"] = prompt, ["files"] = request.Files }),
            _ => command.Stdin == "empty" ? string.Empty : null,
        };
        AgentEventReader? events = command.Events is null ? null : new AgentEventReader(command.Events, request.Progress);
        if (events is null)
        {
            var plain = await ProcessExecution.RunAsync(info, request, stdin, cancellationToken).ConfigureAwait(false);
            return await ReadAnswerAsync(plain, command, outputFile, cancellationToken).ConfigureAwait(false);
        }

        // An event rule may stop a CLI that loops; that stop is told apart from the user's by this token.
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        events.Abort += () => abort.Cancel();
        var streamed = await ProcessExecution.RunAsync(info, request, stdin, abort.Token, events.Read, "events.jsonl").ConfigureAwait(false);
        if (events.AbortReason is { } why && !cancellationToken.IsCancellationRequested)
        {
            streamed = streamed with { Status = RunStatuses.Failed, ErrorCode = ErrorIds.RunnerFailed, ErrorMessage = $"The {Kind} runner was stopped: {why}." };
        }

        return Conclude(streamed, events, command, request, model, outputFile);
    }

    private async Task<RunnerResult> ReadAnswerAsync(RunnerResult result, RunnerCommand command, string outputFile, CancellationToken cancellationToken)
    {

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

    /// <summary>
    /// The outcome of a run whose stdout was an event stream: the CLI's own error (it reports failures on stdout, not
    /// stderr), refused tool calls, an unknown session, and otherwise the answer with the run's usage and session.
    /// </summary>
    private RunnerResult Conclude(RunnerResult result, AgentEventReader events, RunnerCommand command, RunnerRequest request, string model, string outputFile)
    {
        var usage = events.Usage;
        if (usage.Model is null && model != "auto")
        {
            usage = usage with { Model = model };
        }

        result = result with { Usage = usage.IsEmpty ? null : usage, SessionId = events.Session ?? request.ResumeSession, SessionTotals = events.SessionTotals };
        if (result.Status is RunStatuses.Canceled or RunStatuses.TimedOut)
        {
            return result with { Output = events.Answer ?? string.Empty };
        }

        var stderr = result.ErrorMessage ?? string.Empty;
        if (events.AbortReason is not null)
        {
            return result with { Output = events.Answer ?? string.Empty };
        }

        if (events.Error is { } error || result.Status != RunStatuses.Succeeded)
        {
            var reason = events.Error is { Length: > 0 } reported ? Shorten(reported) : null;
            var text = reason ?? stderr;
            if (request.ResumeSession is not null && command.SessionNotFound is { } patterns && patterns.Any(p => Regex.IsMatch(text + "\n" + stderr, p, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)))
            {
                return result with
                {
                    Status = RunStatuses.Failed,
                    ErrorCode = ErrorIds.RunnerSessionNotFound,
                    ErrorMessage = $"The {Kind} CLI no longer knows the session {request.ResumeSession} ({Shorten(text)}). Start a fresh one: run the task without -Continue.",
                    SessionId = null,
                };
            }

            return result with
            {
                Status = RunStatuses.Failed,
                ErrorCode = result.ErrorCode ?? ErrorIds.RunnerFailed,
                ErrorMessage = reason is null ? result.ErrorMessage ?? $"The {Kind} runner reported a failure." : $"The {Kind} runner failed{(result.ExitCode is int code && code != 0 ? $" (exit code {code})" : string.Empty)}: {reason}",
                Output = events.Answer ?? string.Empty,
            };
        }

        var answer = events.Answer;
        if (answer is null && events.Events == 0)
        {
            return result with
            {
                Status = RunStatuses.Failed,
                ErrorCode = ErrorIds.RunnerOutputInvalid,
                ErrorMessage = $"The {Kind} runner printed no events on stdout; it may not support the flags in its registry entry.",
                Output = string.Empty,
            };
        }

        AtomicFile.WriteAllText(outputFile, answer ?? string.Empty);
        result = result with { Output = answer ?? string.Empty, Artifacts = [.. result.Artifacts, outputFile] };
        if (events.Denied.Count > 0)
        {
            var tools = string.Join(", ", events.Denied.Distinct(StringComparer.Ordinal));
            return result with
            {
                Status = RunStatuses.Failed,
                ErrorCode = ErrorIds.RunnerEditsRefused,
                ErrorMessage = $"The {Kind} CLI refused {events.Denied.Count} tool call(s) for want of permission ({tools}); what they would have done was not done.{(command.DeniedHint is null ? string.Empty : " " + command.DeniedHint)}",
            };
        }

        return result;
    }

    /// <summary>The existing folders a pathPrepend list names, from the executable's real (symlink-resolved) folder.</summary>
    private static List<string> PrependFolders(string executable, List<string> patterns)
    {
        var real = executable;
        try
        {
            real = new FileInfo(executable).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? executable;
        }
        catch (IOException)
        {
        }

        var folder = Path.GetDirectoryName(real)!;
        var found = new List<string>();
        foreach (var pattern in patterns)
        {
            var candidates = new List<string> { Path.GetFullPath(pattern.Replace("{executableDir}", folder, StringComparison.Ordinal)) };
            // Expand '*' one path segment at a time.
            while (candidates.FirstOrDefault(c => c.Contains('*', StringComparison.Ordinal)) is { } globbed)
            {
                candidates.Remove(globbed);
                var star = globbed.IndexOf('*', StringComparison.Ordinal);
                var parent = globbed[..globbed.LastIndexOf(Path.DirectorySeparatorChar, star)];
                var rest = globbed[(parent.Length + 1)..];
                var segmentEnd = rest.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal);
                var segment = segmentEnd < 0 ? rest : rest[..segmentEnd];
                var tail = segmentEnd < 0 ? string.Empty : rest[segmentEnd..];
                if (Directory.Exists(parent))
                {
                    candidates.AddRange(Directory.EnumerateDirectories(parent, segment).Order(StringComparer.Ordinal).Select(d => d + tail));
                }
            }

            found.AddRange(candidates.Where(Directory.Exists));
        }

        return found;
    }

    private RunnerResult Failed(string code, string message) => new() { Status = RunStatuses.Failed, ErrorCode = code, ErrorMessage = message };

    private static string Shorten(string text)
    {
        var flat = text.Trim();
        return flat.Length <= 1000 ? flat : flat[..1000] + "…";
    }

    private static IEnumerable<string> Arguments(List<string> arguments, List<string>? omit, bool modelIsAuto)
    {
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

    /// <summary>
    /// Fills the template's placeholders in one pass: a value is never read again, so a prompt that contains
    /// "{workspace}" or "{model}" reaches the runner as typed.
    /// </summary>
    private static string Expand(string text, Dictionary<string, string> values, Func<string, string> config)
        => Placeholder().Replace(text, m =>
            values.TryGetValue(m.Value, out var value) ? value
            : m.Value.StartsWith("{config:", StringComparison.Ordinal) ? config(m.Value)
            : m.Value.StartsWith("{ifSandboxed:", StringComparison.Ordinal) ? IfSandboxed(m.Value, values["{sandbox}"] == "outer")
            : m.Value);

    /// <summary>{ifSandboxed:A|B}: A when msgcode runs the runner in its sandbox, B otherwise.</summary>
    private static string IfSandboxed(string placeholder, bool sandboxed)
    {
        var inner = placeholder["{ifSandboxed:".Length..^1];
        var bar = inner.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? (sandboxed ? inner : string.Empty) : sandboxed ? inner[..bar] : inner[(bar + 1)..];
    }

    [GeneratedRegex(@"\{(?:config:[A-Za-z0-9.]+|ifSandboxed:[A-Za-z0-9._-]*\|?[A-Za-z0-9._-]*|[A-Za-z]+)\}")]
    private static partial Regex Placeholder();

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

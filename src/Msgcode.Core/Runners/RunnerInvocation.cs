using System.Diagnostics;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Runners;

/// <summary>Calls one runner without a task, like the original's <c>msgcode run &lt;kind&gt;</c>.</summary>
public static class RunnerInvocation
{
    /// <summary>msgcode's secret variables that a runner must not inherit: all of them but those its entry asks for by name.</summary>
    public static IReadOnlyList<string> HiddenVariables(RunnerEntry? entry)
        => Config.ConfigSchema.Keys.Where(k => k.Secret).SelectMany(k => new[] { k.EnvironmentVariable, k.LegacyEnvironmentVariable }.OfType<string>())
            .Except(entry?.SecretVariables ?? [], StringComparer.Ordinal).ToList();

    /// <param name="files">Input files (full paths) handed to the runner as they are: a one-shot call copies nothing.</param>
    public static async Task<RunnerOutput> RunAsync(RunnerRegistry registry, string kind, string prompt, string workspace, string? model, string artifactRoot, RunnerCallOptions options, CancellationToken cancellationToken,
        IReadOnlyList<string>? files = null)
    {
        var runner = registry.Find(kind) ?? throw new MsgcodeException(ErrorIds.RunnerNotFound, MsgcodeErrorCategory.ObjectNotFound, kind,
            $"There is no runner '{kind}' (available: {string.Join(", ", registry.Kinds.Order())}). Get-MsgcodeRunner lists them with what each needs.");
        RunnerPolicy.Require(registry.EntryOf(kind), options.PolicyMode, kind, runner, workspace);
        if (!Directory.Exists(workspace))
        {
            throw new MsgcodeException(ErrorIds.WorkspaceNotFound, MsgcodeErrorCategory.ObjectNotFound, workspace, $"The workspace folder '{workspace}' does not exist.");
        }

        if (files?.FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            throw new MsgcodeException(ErrorIds.RunnerInputMissing, MsgcodeErrorCategory.ObjectNotFound, missing,
                $"The input file '{missing}' does not exist{(Directory.Exists(missing) ? " as a file (it is a folder)" : string.Empty)}. Pass the path of an existing file to -File.");
        }

        var runId = Runs.RunLedger.NewRunId();
        var clock = Stopwatch.StartNew();
        var result = await runner.RunAsync(new RunnerRequest
        {
            Kind = runner.Kind,
            WorkspacePath = workspace,
            Payload = prompt,
            Model = model,
            Files = files ?? [],
            ArtifactDirectory = Path.Combine(artifactRoot, runId),
            Constraints = new RunnerConstraints { Timeout = options.Timeout, MaxOutputBytes = options.MaxOutputBytes, WorkingDirectory = workspace, HiddenVariables = HiddenVariables(registry.EntryOf(kind)) },
            Context = new Dictionary<string, string> { ["runId"] = runId },
            Secrets = options.Secrets,
        }, cancellationToken).ConfigureAwait(false);
        return new RunnerOutput
        {
            RunId = runId,
            Kind = runner.Kind,
            Status = result.Status,
            ErrorCode = result.ErrorCode,
            ErrorMessage = result.ErrorMessage is null ? null : Redaction.Redact(result.ErrorMessage, options.Secrets),
            Output = result.Output,
            OutputTruncated = result.OutputTruncated,
            Artifacts = [.. result.Artifacts],
            DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
        };
    }
}

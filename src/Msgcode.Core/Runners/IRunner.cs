namespace Msgcode.Core.Runners;

/// <summary>A runner: one kind of worker that turns a payload into a result.</summary>
public interface IRunner
{
    string Kind { get; }

    /// <summary>Whether the runner can continue an earlier session (<see cref="RunnerRequest.ResumeSession"/>).</summary>
    bool SupportsSessions => false;

    Task<RunnerResult> RunAsync(RunnerRequest request, CancellationToken cancellationToken);
}

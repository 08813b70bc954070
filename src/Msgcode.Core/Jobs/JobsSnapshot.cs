using System.Text.Json;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Jobs;

/// <summary>What was read from jobs.json: the jobs, or the problem that kept them from being read.</summary>
public sealed class JobsSnapshot
{
    public required List<JobDefinition> Jobs { get; init; }

    /// <summary>Set when the file exists but is not a valid jobs file (<see cref="ErrorIds.JobsFileInvalid"/>).</summary>
    public MsgcodeProblem? Problem { get; init; }

    public required JobsFileStamp Stamp { get; init; }

    /// <summary>Fields of the file this version does not know, kept on rewrite.</summary>
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

using System.Management.Automation;
using Msgcode.Core.Runners;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Lists the runners of the capability registry, each with a live probe: available or not, the version found, what is missing and how to fix it.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeRunner")]
[OutputType(typeof(RunnerInfo))]
public sealed class GetMsgcodeRunnerCommand : MsgcodeCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(RunnerKindCompleter))]
    public string[]? Kind { get; set; }

    protected override void ProcessRecordCore()
    {
        var capabilities = HostCommand.Capabilities(this);
        foreach (var problem in capabilities.Problems)
        {
            WriteMsgcodeError(problem.ToException());
        }

        var patterns = (Kind ?? ["*"]).Select(k => WildcardPattern.Get(k, WildcardOptions.IgnoreCase)).ToArray();
        var selected = capabilities.Entries.Where(e => patterns.Any(p => p.IsMatch(e.Kind))).ToList();
        var builtins = HostCommand.BuiltinRunners(this);
        var config = Core.Config.ConfigResolver.Resolve(ConfigSources(null));
        var probes = RunnerProbe.ProbeAllAsync(selected, e => !e.Builtin || builtins.ContainsKey(e.Kind), CancellationToken, RunnerProbe.ConfigExpander(config)).GetAwaiter().GetResult();
        WriteObject(probes, enumerateCollection: true);
    }
}

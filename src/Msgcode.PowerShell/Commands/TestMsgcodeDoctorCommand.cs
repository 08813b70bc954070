using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Doctor;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Checks msgcode's environment, home, configuration, runners, tasks, worktrees, daemon, chat channel and disk; returns $true when nothing fails.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MsgcodeDoctor", DefaultParameterSetName = QuietSet)]
[OutputType(typeof(bool), ParameterSetName = [QuietSet])]
[OutputType(typeof(DoctorCheck), ParameterSetName = [DetailedSet])]
public sealed class TestMsgcodeDoctorCommand : MsgcodeCmdlet
{
    public const string QuietSet = "Quiet";
    public const string DetailedSet = "Detailed";

    [Parameter(Mandatory = true, ParameterSetName = DetailedSet)]
    public SwitchParameter Detailed { get; set; }

    [Parameter]
    [ValidateSet("environment", "home", "configuration", "runners", "tasks", "worktrees", "jobs", "daemon", "channel", "disk")]
    public string[]? Category { get; set; }

    /// <summary>Workspaces whose tasks to check; default: the current folder and the workspaces under workspace.root.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkspacePathCompleter))]
    public string[]? Workspace { get; set; }

    protected override void ProcessRecordCore()
    {
        var home = MsgcodeHome.Resolve();
        var workspaces = Workspace is not null
            ? Workspace.Select(ResolveWorkspace).ToList()
            : MsgcodeDoctor.DefaultWorkspaces(home, ResolveWorkspace(null));
        var builtins = HostCommand.BuiltinRunners(this);
        var psVersion = SessionState.PSVariable.GetValue("PSVersionTable") is System.Collections.IDictionary table && table["PSVersion"] is object v ? v.ToString()! : "0.0";
        var context = new DoctorContext
        {
            Home = home,
            PowerShellVersion = psVersion,
            Capabilities = HostCommand.Capabilities(this),
            Implemented = e => !e.Builtin || builtins.ContainsKey(e.Kind),
            Workspaces = workspaces,
        };
        var checks = MsgcodeDoctor.RunAsync(context, Category, CancellationToken).GetAwaiter().GetResult();
        if (Detailed)
        {
            WriteObject(checks, enumerateCollection: true);
            return;
        }

        foreach (var check in checks.Where(c => c.Status is CheckStatuses.Fail or CheckStatuses.Warn))
        {
            WriteVerbose(check.ToString() + (check.FixHint is null ? string.Empty : " Fix: " + check.FixHint));
        }

        WriteObject(!checks.Any(c => c.Status == CheckStatuses.Fail));
    }
}

using System.Management.Automation;
using System.Text;
using Msgcode.Core.Errors;
using Msgcode.Core.Runs;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Gets the runs of a workspace's tasks from its run ledger, newest first; one run by its id, or its event stream as it comes.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeTaskRun", DefaultParameterSetName = ListSet)]
[OutputType(typeof(TaskRunInfo))]
[OutputType(typeof(string), ParameterSetName = [RunSet])]
public sealed class GetMsgcodeTaskRunCommand : TaskCmdlet
{
    private const string ListSet = "List";
    private const string RunSet = "Run";

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ListSet)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public string? TaskId { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = 20;

    /// <summary>One run, with its output once it has ended.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RunSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RunId { get; set; } = string.Empty;

    /// <summary>With -RunId: writes the run's event stream (events.jsonl, one JSON event a line) as it comes, until the run ends.</summary>
    [Parameter(ParameterSetName = RunSet)]
    public SwitchParameter Follow { get; set; }

    protected override void ProcessRecordCore()
    {
        var store = Store();
        try
        {
            store.RequireWorkspace();
            var ledger = new RunLedger(store.LedgerPath);
            if (ParameterSetName == ListSet)
            {
                var taskId = TaskId is null ? null : store.Resolve(TaskId);
                WriteObject(ledger.NewestRuns(Last, taskId, WriteProblem), enumerateCollection: true);
                return;
            }

            var run = ledger.Find(RunId, WriteProblem) ?? throw new MsgcodeException(ErrorIds.RunNotFound, MsgcodeErrorCategory.ObjectNotFound, RunId,
                $"The workspace '{store.Workspace}' has no run {RunId}. Get-MsgcodeTaskRun lists its runs.");
            if (!Follow)
            {
                if (run.IsEnded)
                {
                    run.Output = run.ReadOutput();
                }

                WriteObject(run);
                return;
            }

            FollowEvents(ledger, Path.Combine(store.ArtifactsDirectory, RunId, "events.jsonl"));
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
        }
    }

    /// <summary>Tails the run's event file (written line by line by the runner's capture, in this process or the daemon) until the run has ended.</summary>
    private void FollowEvents(RunLedger ledger, string path)
    {
        long offset = 0;
        var pending = new StringBuilder();
        var buffer = new byte[64 * 1024];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        var decoder = Encoding.UTF8.GetDecoder(); // keeps a character split between two reads
        while (true)
        {
            var ended = ledger.Find(RunId)?.IsEnded ?? true; // read before the file: what the run wrote before it ended is all there
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.Position = offset;
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    offset += read;
                    pending.Append(chars, 0, decoder.GetChars(buffer, 0, read, chars, 0));
                }

                var text = pending.ToString();
                var last = text.LastIndexOf('\n');
                if (last >= 0)
                {
                    foreach (var line in text[..last].Split('\n'))
                    {
                        WriteObject(line);
                    }

                    pending.Clear().Append(text[(last + 1)..]);
                }
            }

            if (ended)
            {
                if (pending.Length > 0)
                {
                    WriteObject(pending.ToString());
                }

                return;
            }

            if (CancellationToken.WaitHandle.WaitOne(100))
            {
                throw new PipelineStoppedException();
            }
        }
    }
}

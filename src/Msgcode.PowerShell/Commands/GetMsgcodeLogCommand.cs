using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Logging;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows the msgcode daemon's log, and with -Follow keeps showing new lines, like tail -F.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeLog")]
[OutputType(typeof(LogEntry))]
[OutputType(typeof(string))]
public sealed class GetMsgcodeLogCommand : MsgcodeCmdlet
{
    [Parameter(Position = 0)]
    [ValidateRange(0, 1_000_000)]
    public int Tail { get; set; } = 10;

    [Parameter]
    public SwitchParameter Follow { get; set; }

    [Parameter]
    [ValidateSet("debug", "info", "warn", "error")]
    public string? Level { get; set; }

    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>Seconds between checks for new lines while following.</summary>
    [Parameter]
    [ValidateRange(0.05, 60)]
    public double PollIntervalSec { get; set; } = 0.25;

    protected override void ProcessRecordCore()
    {
        var home = MsgcodeHome.Resolve();
        var minimum = Level is null ? LogLevel.Debug : MsgcodeLog.ParseLevel(Level);
        using var follower = new LogFollower(home.LogFile);
        if (!File.Exists(home.LogFile))
        {
            WriteWarning($"There is no log yet at '{home.LogFile}'. The daemon writes it once started (Start-MsgcodeDaemon).");
        }

        foreach (var line in follower.Start(Tail))
        {
            Emit(LogEntry.Parse(line), minimum);
        }

        if (!Follow)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(PollIntervalSec);
        while (!CancellationToken.IsCancellationRequested)
        {
            foreach (var entry in follower.Poll())
            {
                Emit(entry, minimum);
            }

            CancellationToken.WaitHandle.WaitOne(interval);
        }
    }

    private void Emit(LogEntry entry, LogLevel minimum)
    {
        if (entry.Marker is not null)
        {
            WriteWarning($"The log was {entry.Marker}; following the new file from its start.");
            return;
        }

        if (!entry.AtLeast(minimum))
        {
            return;
        }

        if (Raw)
        {
            WriteObject(entry.Line);
        }
        else
        {
            WriteObject(entry);
        }
    }
}

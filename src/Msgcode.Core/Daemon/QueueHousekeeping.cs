using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Daemon;

/// <summary>
/// The work queue's housekeeping: a minute after the start and then every half hour, the ledger of each workspace
/// the queue has had a lane for is trimmed to that workspace's runs.retentionDays and runs.retentionCount.
/// </summary>
internal sealed class QueueHousekeeping : IDisposable
{
    private readonly Func<string[]> _workspaces;
    private readonly Func<string, ConfigReport> _config;
    private readonly MsgcodeLog _log;
    private readonly Timer _timer;

    /// <param name="workspaces">The workspaces whose ledgers to trim, asked at each pass.</param>
    /// <param name="config">A workspace's configuration, asked at each pass.</param>
    public QueueHousekeeping(Func<string[]> workspaces, Func<string, ConfigReport> config, MsgcodeLog log)
    {
        _workspaces = workspaces;
        _config = config;
        _log = log;
        _timer = new Timer(_ => Housekeep(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30));
    }

    public void Dispose() => _timer.Dispose();

    private void Housekeep()
    {
        foreach (var workspace in _workspaces())
        {
            try
            {
                var config = _config(workspace);
                var dropped = new RunLedger(new TaskStore(workspace).LedgerPath).Trim(config.GetInt64("runs.retentionDays"), config.GetInt64("runs.retentionCount"), DateTimeOffset.UtcNow);
                if (dropped > 0)
                {
                    _log.Info("housekeeping", "ledger trimmed", new { workspace, runs = dropped });
                }
            }
            catch (MsgcodeException ex)
            {
                _log.Warn("housekeeping", "ledger trim failed", new { workspace, errorId = ex.ErrorId });
            }
        }
    }
}

using Msgcode.Core.Config;
using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

public sealed class DaemonOptions
{
    public required MsgcodeHome Home { get; init; }

    public string Mode { get; init; } = DaemonModes.Foreground;

    public IReadOnlyList<IDaemonComponent> Components { get; init; } = [];

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The queue of runs, when this daemon runs work (it is also one of <see cref="Components"/>).</summary>
    public WorkQueue? Queue { get; init; }

    /// <summary>Test hook (environment MSGCODE_TEST_IGNORE_SIGTERM=1): SIGTERM is logged and ignored, to test escalation.</summary>
    public bool IgnoreSigterm { get; init; }
}

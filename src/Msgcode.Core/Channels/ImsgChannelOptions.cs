using Msgcode.Core.Logging;

namespace Msgcode.Core.Channels;

/// <summary>How <see cref="ImsgChannel"/> runs imsg: where it is, how long a request may take, how a dead one is restarted.</summary>
public sealed record ImsgChannelOptions
{
    /// <summary>The imsg executable (config key imsg.path).</summary>
    public required string ImsgPath { get; init; }

    /// <summary>How long one request (watch.subscribe, send) may take (the original's 30 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before restarting a dead imsg; doubled on each failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Duplicate notifications of one message within this many recent messages are dropped.</summary>
    public int DuplicateWindow { get; init; } = 4096;

    public MsgcodeLog? Log { get; init; }
}

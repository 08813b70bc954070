namespace Msgcode.Core.Logging;

/// <summary>How much a log line matters: a log writes the lines at or above its <see cref="MsgcodeLog.Minimum"/>.</summary>
public enum LogLevel
{
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
}

namespace Msgcode.Core.Errors;

/// <summary>
/// Mirrors the names of System.Management.Automation.ErrorCategory that msgcode uses, so Core can
/// classify failures without referencing PowerShell. The cmdlet layer maps by name.
/// </summary>
public enum MsgcodeErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    ResourceExists,
    ResourceUnavailable,
    PermissionDenied,
    ReadError,
    WriteError,
    OperationTimeout,
    NotInstalled,
    NotImplemented,
    OperationStopped,
    SyntaxError,
    ParserError,
    LimitsExceeded,
    SecurityError,
    ConnectionError,
    DeviceError,
}

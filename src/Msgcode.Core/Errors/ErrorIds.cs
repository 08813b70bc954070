namespace Msgcode.Core.Errors;

/// <summary>
/// The one catalogue of ErrorIds. Every id here is stable (scripts and tests match on it) and has a
/// test that provokes it. Add ids; never rename or reuse one.
/// </summary>
public static class ErrorIds
{
    // Storage
    public const string FileWriteFailed = "FileWriteFailed";
    public const string FileReadFailed = "FileReadFailed";
    public const string LockTimeout = "LockTimeout";
    public const string JsonlLineMalformed = "JsonlLineMalformed";
    public const string JsonlLineTorn = "JsonlLineTorn";
    public const string DiskFull = "DiskFull";

    // Configuration
    public const string ConfigKeyUnknown = "ConfigKeyUnknown";
    public const string ConfigValueInvalid = "ConfigValueInvalid";

    /// <summary>A legacy environment variable (LOG_LEVEL, ...) holds a value msgcode cannot read: a warning, since it may be another program's.</summary>
    public const string ConfigLegacyValueIgnored = "ConfigLegacyValueIgnored";
    public const string ConfigFileInvalidJson = "ConfigFileInvalidJson";
    public const string ConfigFileUnreadable = "ConfigFileUnreadable";
    public const string ConfigEnvLineMalformed = "ConfigEnvLineMalformed";
    public const string ConfigKeyNotWorkspaceScoped = "ConfigKeyNotWorkspaceScoped";
    public const string ConfigFileCorruptNotRewritten = "ConfigFileCorruptNotRewritten";
    public const string ConfigWorkspaceCannotLoosen = "ConfigWorkspaceCannotLoosen";
    public const string WorkspaceNotFound = "WorkspaceNotFound";

    // Paths given to the cmdlets: PowerShell paths that must name the file system (not Env:, Variable:, ...)
    public const string WorkspaceNotFileSystem = "WorkspaceNotFileSystem";
    public const string PathNotFileSystem = "PathNotFileSystem";

    // Secrets (lmstudio.apiKey and other Secret keys: msgcode's 0600 secrets file or a SecretManagement vault)
    public const string SecretVaultNotFound = "SecretVaultNotFound";
    public const string SecretVaultLocked = "SecretVaultLocked";
    public const string SecretVaultFailed = "SecretVaultFailed";
    public const string SecretNotFound = "SecretNotFound";
    public const string ConfigVaultNotApplicable = "ConfigVaultNotApplicable";

    // Git
    public const string GitNativeLibraryUnavailable = "GitNativeLibraryUnavailable";
    public const string GitNotFound = "GitNotFound";
    public const string GitCommandFailed = "GitCommandFailed";

    // Worktrees and patches
    public const string WorktreeRepositoryNotFound = "WorktreeRepositoryNotFound";
    public const string WorktreeRepositoryEmpty = "WorktreeRepositoryEmpty";
    public const string WorktreeSubmoduleUnsupported = "WorktreeSubmoduleUnsupported";
    public const string WorktreePathOccupied = "WorktreePathOccupied";
    public const string WorktreeBranchExists = "WorktreeBranchExists";
    public const string WorktreeBaseStale = "WorktreeBaseStale";
    public const string WorktreeNotFound = "WorktreeNotFound";
    public const string WorktreeLost = "WorktreeLost";
    public const string WorktreeHasUncapturedChanges = "WorktreeHasUncapturedChanges";
    public const string WorktreeHeadDetached = "WorktreeHeadDetached";
    public const string PatchNotFound = "PatchNotFound";
    public const string PatchConflict = "PatchConflict";
    public const string PatchAlreadyApplied = "PatchAlreadyApplied";
    public const string PatchTouchesLocalChanges = "PatchTouchesLocalChanges";
    public const string PatchNotMerged = "PatchNotMerged";
    public const string PatchUndoConflict = "PatchUndoConflict";
    public const string AttemptNotFound = "AttemptNotFound";

    // Tasks and runs
    public const string TaskIdInvalid = "TaskIdInvalid";
    public const string TaskNotFound = "TaskNotFound";
    public const string TaskIdAmbiguous = "TaskIdAmbiguous";
    public const string TaskFileCorrupt = "TaskFileCorrupt";
    public const string TaskFieldInvalid = "TaskFieldInvalid";
    public const string TaskTransitionInvalid = "TaskTransitionInvalid";
    public const string TaskAlreadyRunning = "TaskAlreadyRunning";
    public const string TaskHasWorktree = "TaskHasWorktree";
    public const string WorkspaceNotWritable = "WorkspaceNotWritable";
    public const string RunnerNotFound = "RunnerNotFound";
    public const string RunnerFailed = "RunnerFailed";
    public const string RunnerTimedOut = "RunnerTimedOut";
    public const string RunCanceled = "RunCanceled";
    public const string RunInterrupted = "RunInterrupted";
    public const string RunnerBlockedByPolicy = "RunnerBlockedByPolicy";
    public const string RunnerUnavailable = "RunnerUnavailable";
    public const string RunnerOutputInvalid = "RunnerOutputInvalid";
    public const string RunnerArgumentsTooLong = "RunnerArgumentsTooLong";
    public const string RunnerEditsRefused = "RunnerEditsRefused";
    public const string RunnerSessionNotFound = "RunnerSessionNotFound";
    public const string RunnerSessionUnsupported = "RunnerSessionUnsupported";
    public const string RunnerModelInvalid = "RunnerModelInvalid";
    public const string TaskSessionNotFound = "TaskSessionNotFound";
    public const string RunNotFound = "RunNotFound";
    public const string TaskInputFileNotFound = "TaskInputFileNotFound";
    public const string TaskInputFileTooLarge = "TaskInputFileTooLarge";
    public const string SandboxUnavailable = "SandboxUnavailable";
    public const string CapabilityFileInvalid = "CapabilityFileInvalid";
    public const string CapabilityEntryInvalid = "CapabilityEntryInvalid";

    // Media runners (asr, vision, ocr, images to lmstudio)
    public const string RunnerInputMissing = "RunnerInputMissing";
    public const string RunnerInputUnsupported = "RunnerInputUnsupported";
    public const string RunnerInputTooLarge = "RunnerInputTooLarge";
    public const string AudioConversionFailed = "AudioConversionFailed";
    public const string AsrTranscriptEmpty = "AsrTranscriptEmpty";
    public const string VisionModelNotLoaded = "VisionModelNotLoaded";

    // Memory
    public const string MemoryTextEmpty = "MemoryTextEmpty";
    public const string MemoryTagInvalid = "MemoryTagInvalid";

    // Daemon
    public const string DaemonAlreadyRunning = "DaemonAlreadyRunning";
    public const string DaemonNotRunning = "DaemonNotRunning";
    public const string DaemonStartFailed = "DaemonStartFailed";
    public const string DaemonStopFailed = "DaemonStopFailed";
    public const string DaemonPreflightFailed = "DaemonPreflightFailed";
    public const string DaemonEndpointUnavailable = "DaemonEndpointUnavailable";
    public const string DaemonEndpointNotPrivate = "DaemonEndpointNotPrivate";

    // Jobs
    public const string JobNotFound = "JobNotFound";
    public const string JobNameExists = "JobNameExists";
    public const string JobScheduleInvalid = "JobScheduleInvalid";
    public const string JobTimeZoneInvalid = "JobTimeZoneInvalid";
    public const string JobIntervalInvalid = "JobIntervalInvalid";
    public const string JobAtInPast = "JobAtInPast";
    public const string JobActionInvalid = "JobActionInvalid";
    public const string JobDeliveryInvalid = "JobDeliveryInvalid";
    public const string JobsFileInvalid = "JobsFileInvalid";
    public const string JobsDisabled = "JobsDisabled";

    // Channels (chat routes, imsg)
    public const string RouteNotFound = "RouteNotFound";
    public const string RoutePathInvalid = "RoutePathInvalid";
    public const string RouteStatusInvalid = "RouteStatusInvalid";
    public const string RouteVoiceReplyInvalid = "RouteVoiceReplyInvalid";
    public const string RoutesFileCorrupt = "RoutesFileCorrupt";
    public const string ImsgUnavailable = "ImsgUnavailable";
    public const string ImsgRequestFailed = "ImsgRequestFailed";
    public const string AttachmentMissing = "AttachmentMissing";
    public const string AttachmentOutsideFolder = "AttachmentOutsideFolder";
    public const string AttachmentTooLarge = "AttachmentTooLarge";
    public const string AttachmentUnsupported = "AttachmentUnsupported";
    public const string ChatCommandOwnerOnly = "ChatCommandOwnerOnly";

    // Service
    public const string ServiceManagerUnavailable = "ServiceManagerUnavailable";
    public const string ServiceCommandFailed = "ServiceCommandFailed";
    public const string ServiceNotInstalled = "ServiceNotInstalled";
    public const string ServiceUnitModified = "ServiceUnitModified";

    /// <summary>Every id, for the catalogue test.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(ErrorIds)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();
}

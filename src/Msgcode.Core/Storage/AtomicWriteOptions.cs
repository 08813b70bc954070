namespace Msgcode.Core.Storage;

/// <summary>Options of <see cref="AtomicFile"/>.</summary>
public sealed record AtomicWriteOptions
{
    public static readonly AtomicWriteOptions Default = new();

    /// <summary>Create the file readable and writable by its owner only (for files that may hold secrets).</summary>
    public bool OwnerOnly { get; init; }

    /// <summary>Create the containing folder when it is missing.</summary>
    public bool CreateDirectory { get; init; } = true;

    /// <summary>
    /// fsync before the rename (the default). Off only for files whose truth is recorded durably elsewhere
    /// and repaired from there after a crash (a task's status while it runs: the run ledger is the record).
    /// The replace stays atomic either way.
    /// </summary>
    public bool Fsync { get; init; } = true;

    /// <summary>
    /// A file the caller keeps beside the target and writes only under a lock of its own (a store's update
    /// lock): the write goes into it and the two are exchanged (Linux), so no file is created or deleted.
    /// Writes take turns with <see cref="AtomicFile.SpareCount"/> such files (this name, then with 1, 2, 3
    /// appended). Where that cannot be done, the write takes the usual temp-and-rename path.
    /// </summary>
    public string? Spare { get; init; }

    /// <summary>
    /// A new file's name is made durable by the caller's next write in the same folder (which creates a file too, and
    /// fsyncs the folder after its rename): two new files then share one folder fsync. Until that write returns, a
    /// power loss may forget this name.
    /// </summary>
    public bool FolderSyncedByNextWrite { get; init; }

    /// <summary>
    /// Called after the new contents are written (and fsynced) and just before they replace the file: a last look
    /// at the file (has someone changed it meanwhile?). An exception from it leaves the file as it was and no temp
    /// behind, and reaches the caller. Writes through a <see cref="Spare"/> are not made when it is set.
    /// </summary>
    public Action? BeforeReplace { get; init; }
}

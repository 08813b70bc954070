using Msgcode.Core.Platform;

namespace Msgcode.Core.Storage;

/// <summary>
/// The atomic replace for content too large to hold in memory (a runner's output): write to the stream,
/// then <see cref="Commit"/> flushes, fsyncs and renames into place. Disposed without a commit, the
/// temp file is removed and the target is untouched.
/// </summary>
public sealed class AtomicFileStream : Stream
{
    private readonly FileStream _inner;
    private readonly string _temp;
    private bool _committed;

    public AtomicFileStream(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        _temp = System.IO.Path.Combine(directory, "." + System.IO.Path.GetFileName(Path) + "." + Guid.NewGuid().ToString("N")[..12] + AtomicFile.TempSuffix);
        _inner = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
    }

    public string Path { get; }

    public void Commit()
    {
        _inner.Flush(flushToDisk: true);
        _inner.Dispose();
        File.Move(_temp, Path, overwrite: true);
        NativeFs.FsyncDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _committed = true;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _inner.Length;

    public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_committed)
        {
            try
            {
                _inner.Dispose(); // flushes what is buffered: on a full disk that fails, and the file goes anyway
            }
            catch (IOException)
            {
            }

            try
            {
                File.Delete(_temp);
            }
            catch (IOException)
            {
            }
        }

        base.Dispose(disposing);
    }
}

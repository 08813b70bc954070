namespace Msgcode.Core.Storage;

/// <summary>
/// A read-only view of a newline-delimited stream that fails as soon as one line grows past a limit. JSON-RPC's line
/// reader looks for the newline from the start of the buffered line each time more arrives, so one huge line costs
/// time that grows with its square (64 MB: 26 s of CPU); this counts in one pass and ends such a connection early.
/// </summary>
public sealed class LineLimitStream(Stream inner, long maxLineBytes) : Stream
{
    private long _lineBytes;

    public long MaxLineBytes { get; } = maxLineBytes;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override int Read(Span<byte> buffer) => Count(buffer[..inner.Read(buffer)]);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Count(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(ReadOnlySpan<byte> read)
    {
        var last = read.LastIndexOf((byte)'\n');
        _lineBytes = last < 0 ? _lineBytes + read.Length : read.Length - last - 1;
        if (_lineBytes > MaxLineBytes)
        {
            throw new IOException($"A message line grew past {MaxLineBytes:N0} bytes; the connection is closed.");
        }

        return read.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

using System.Text;

namespace Msgcode.Core.Runners;

/// <summary>Splits a byte stream into lines (UTF-8) as it arrives, for readers of event streams.</summary>
internal sealed class LineSplitter
{
    private readonly Action<string> _onLine;
    private readonly MemoryStream _pending = new();

    public LineSplitter(Action<string> onLine)
    {
        _onLine = onLine;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var newline = bytes.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _pending.Write(bytes);
                return;
            }

            _pending.Write(bytes[..newline]);
            Flush();
            bytes = bytes[(newline + 1)..];
        }
    }

    /// <summary>The last line, when the stream ended without a newline.</summary>
    public void Complete()
    {
        if (_pending.Length > 0)
        {
            Flush();
        }
    }

    private void Flush()
    {
        var line = Encoding.UTF8.GetString(_pending.GetBuffer(), 0, (int)_pending.Length);
        _pending.SetLength(0);
        try
        {
            _onLine(line);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // a reader's fault never stops the capture (the child must never block on a full pipe)
        }
    }
}

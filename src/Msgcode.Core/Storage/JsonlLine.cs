using System.Text.Json;

namespace Msgcode.Core.Storage;

/// <summary>One complete, well-formed line of a JSONL file.</summary>
/// <param name="LineNumber">1-based line number, or 0 when the line was read from the tail without counting.</param>
/// <param name="Offset">Byte offset of the line's first byte.</param>
/// <param name="Text">The line without its terminator.</param>
public readonly record struct JsonlLine(long LineNumber, long Offset, string Text)
{
    public JsonDocument Parse() => JsonDocument.Parse(Text);
}

namespace Msgcode.Core.Channels;

/// <summary>
/// An attachment of an inbound message, as imsg describes it: <c>filename</c>, <c>mime_type</c>, <c>original_path</c>
/// (the file on this Mac, under the Messages attachments folder) and <c>missing</c> (not downloaded).
/// </summary>
public sealed record InboundAttachment(string? FileName, string? MimeType, string? Path, bool Missing)
{
    /// <summary>The name the sender's device gave it (<c>transfer_name</c>), for answers.</summary>
    public string? TransferName { get; init; }

    /// <summary>The uniform type identifier (<c>uti</c>), e.g. com.apple.coreaudio-format for a voice note.</summary>
    public string? Uti { get; init; }

    /// <summary>A name to show: the transfer name, else the file's name.</summary>
    public string DisplayName => TransferName ?? System.IO.Path.GetFileName(Path ?? FileName ?? "attachment");
}

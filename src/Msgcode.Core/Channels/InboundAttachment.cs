namespace Msgcode.Core.Channels;

public sealed record InboundAttachment(string? FileName, string? MimeType, string? Path, bool Missing);

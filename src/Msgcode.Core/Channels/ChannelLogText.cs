namespace Msgcode.Core.Channels;

/// <summary>
/// Short forms the channel's parts use in the log and in notices: a chat's tag (its id's last characters) and an
/// error's text cut at 300 characters. Message and reply text never reach the log (see <see cref="Logging.TextDigest"/>).
/// </summary>
internal static class ChannelLogText
{
    public static string ChatTag(string chat) => chat.Length <= 6 ? chat : chat[^6..];

    public static string Truncate(string text) => text.Length <= 300 ? text : text[..299] + "…";
}

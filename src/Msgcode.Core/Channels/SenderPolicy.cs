using Msgcode.Core.Config;

namespace Msgcode.Core.Channels;

/// <summary>
/// Who may talk to msgcode: the senders on the whitelist (whitelist.emails, whitelist.phones), and in groups with
/// owner-only mode (channel.ownerOnlyInGroup) only the owners (whitelist.owners).
/// </summary>
internal static class SenderPolicy
{
    /// <summary>Only whitelisted senders; in groups with owner-only mode, only owners.</summary>
    internal static bool IsAllowed(ConfigReport config, InboundMessage message, out string reason)
    {
        var emails = config.GetRaw("whitelist.emails") as string[] ?? [];
        var phones = config.GetRaw("whitelist.phones") as string[] ?? [];
        var owners = config.GetRaw("whitelist.owners") as string[] ?? [];
        if (!Matches(message.Sender, emails.Concat(phones)))
        {
            reason = emails.Length + phones.Length == 0 ? "whitelist empty" : "not whitelisted";
            return false;
        }

        if (message.IsGroup && config.GetBoolean("channel.ownerOnlyInGroup") && !Matches(message.Sender, owners))
        {
            reason = "owner only in groups";
            return false;
        }

        reason = "allowed";
        return true;
    }

    /// <summary>Whether the sender is one of the owners (whitelist.owners): who may change settings from a chat.</summary>
    internal static bool IsOwner(ConfigReport config, string sender) => Matches(sender, config.GetRaw("whitelist.owners") as string[] ?? []);

    /// <summary>Whether two handles name the same sender (an e-mail address alike but for case, or the same phone number).</summary>
    internal static bool SameHandle(string a, string b) => Matches(a, [b]);

    /// <summary>The whitelist key (whitelist.emails or whitelist.phones) that holds the sender, or null.</summary>
    internal static string? WhitelistKeyOf(ConfigReport config, string sender)
        => new[] { "whitelist.emails", "whitelist.phones" }.FirstOrDefault(k => Matches(sender, config.GetRaw(k) as string[] ?? []));

    /// <summary>
    /// The same phone number: the same digits when both are written with a country code (+...); when one of them
    /// is written without (a national number), the other may add a country code of 1-3 digits in front. A number
    /// that merely ends with a whitelisted one (+49 15551234567 against +1 555 123 4567) is a different number.
    /// </summary>
    internal static bool PhoneNumbersMatch(string sender, string senderDigits, string handle)
    {
        var handleDigits = new string(handle.Where(char.IsDigit).ToArray());
        if (handleDigits.Length < 7 || senderDigits.Length < 7)
        {
            return false;
        }

        if (handleDigits == senderDigits)
        {
            return true;
        }

        var senderInternational = sender.TrimStart().StartsWith('+');
        var handleInternational = handle.TrimStart().StartsWith('+');
        if (senderInternational && handleInternational)
        {
            return false;
        }

        var (longer, shorter) = senderDigits.Length > handleDigits.Length ? (senderDigits, handleDigits) : (handleDigits, senderDigits);
        var longerIsInternational = senderDigits.Length > handleDigits.Length ? senderInternational : handleInternational;
        return longerIsInternational && longer.Length - shorter.Length <= 3 && longer.EndsWith(shorter, StringComparison.Ordinal);
    }

    private static bool Matches(string sender, IEnumerable<string> handles)
    {
        var s = sender.Trim();
        var sDigits = new string(s.Where(char.IsDigit).ToArray());
        foreach (var handle in handles.Select(h => h.Trim()).Where(h => h.Length > 0))
        {
            if (string.Equals(s, handle, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (!handle.Contains('@') && !s.Contains('@') && PhoneNumbersMatch(s, sDigits, handle))
            {
                return true;
            }
        }

        return false;
    }
}

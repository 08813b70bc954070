using System.Text.RegularExpressions;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Runners;

/// <summary>
/// The one check of a runner name where it is set (a task, a job, a route, runner.default, a chat's /bind and
/// /model): a misspelt name is refused there, naming the runners there are, instead of failing later whenever the
/// task or job runs.
/// </summary>
public static partial class RunnerNames
{
    [GeneratedRegex("^[a-z][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex KindPattern();

    /// <summary>
    /// The name trimmed and in lower case, or <see cref="ErrorIds.TaskFieldInvalid"/> when it cannot be a runner's
    /// name at all (lower-case letters, digits and '-').
    /// </summary>
    public static string Normalize(string? kind)
    {
        var trimmed = (kind ?? string.Empty).Trim().ToLowerInvariant();
        if (!KindPattern().IsMatch(trimmed))
        {
            throw new MsgcodeException(ErrorIds.TaskFieldInvalid, MsgcodeErrorCategory.InvalidArgument, kind,
                $"'{kind}' is not a runner kind (lower-case letters, digits and '-', such as pwsh, shell or lmstudio). Get-MsgcodeRunner lists them.");
        }

        return trimmed;
    }

    /// <summary>
    /// <see cref="Normalize"/>, then <see cref="ErrorIds.RunnerNotFound"/> unless <paramref name="known"/> holds the
    /// name or <paramref name="force"/> is set (a runner that will be added to capabilities.json later). The message
    /// names the runners there are, a close match first, and ends with <paramref name="whatNext"/>.
    /// </summary>
    public static string Require(IReadOnlyCollection<string> known, string? kind, bool force = false,
        string whatNext = "-Force keeps the name for a runner you will add to capabilities.json later. Nothing was changed.")
    {
        var name = Normalize(kind);
        if (force || known.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return name;
        }

        var available = string.Join(", ", known.Order(StringComparer.Ordinal));
        var guess = Closest(known, name);
        throw new MsgcodeException(ErrorIds.RunnerNotFound, MsgcodeErrorCategory.ObjectNotFound, name,
            $"There is no runner '{name}'.{(guess is null ? string.Empty : $" Did you mean '{guess}'?")} Available: {available}. {whatNext}");
    }

    /// <summary>The known name a typo most likely meant: at most two edits away (a swap counts as one), else null.</summary>
    public static string? Closest(IEnumerable<string> known, string name)
        => known.Select(k => (Kind: k, Distance: Distance(k.ToLowerInvariant(), name)))
            .Where(c => c.Distance <= Math.Min(2, Math.Max(1, name.Length / 3)))
            .OrderBy(c => c.Distance).ThenBy(c => c.Kind, StringComparer.Ordinal)
            .Select(c => c.Kind).FirstOrDefault();

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}

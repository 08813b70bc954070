using System.Globalization;
using System.Text.Json;
using Msgcode.Core.Runs;

namespace Msgcode.Core.Runners;

/// <summary>Reads a runner's event stream line by line and keeps the facts its rules take.</summary>
public sealed class AgentEventReader
{
    private readonly EventSpec _spec;
    private readonly Action<RunnerProgress>? _progress;
    private readonly Dictionary<string, string> _text = new(StringComparer.Ordinal);
    private readonly Dictionary<string, decimal> _numbers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resetPending = new(StringComparer.Ordinal);
    private readonly List<string> _denied = [];
    private readonly Dictionary<EventRule, int> _streaks = [];

    public AgentEventReader(EventSpec spec, Action<RunnerProgress>? progress)
    {
        _spec = spec;
        _progress = progress;
    }

    public int Events { get; private set; }

    /// <summary>Why the reader stopped the run (an <see cref="EventRule.AbortAfter"/> rule), or null.</summary>
    public string? AbortReason { get; private set; }

    /// <summary>Raised once, when a rule asks to stop the run.</summary>
    public event Action? Abort;

    public string? Answer => _text.GetValueOrDefault("answer");

    public string? Session => _text.GetValueOrDefault("session");

    public string? Error => _text.GetValueOrDefault("error");

    public IReadOnlyList<string> Denied => _denied;

    /// <summary>
    /// What the whole session has used so far, where a CLI reports totals over every run of the session (claude's
    /// total_cost_usd, codex's thread usage): the run's own share is the difference from the previous run's totals.
    /// </summary>
    public RunUsage? SessionTotals
    {
        get
        {
            var totals = new RunUsage
            {
                InputTokens = Long("sessionInputTokens"),
                OutputTokens = Long("sessionOutputTokens"),
                CachedInputTokens = Long("sessionCachedInputTokens"),
                CostUsd = _numbers.TryGetValue("sessionCostUsd", out var cost) ? cost : null,
            };
            return totals.IsEmpty ? null : totals;
        }
    }

    public RunUsage Usage => new()
    {
        Model = _text.GetValueOrDefault("model"),
        InputTokens = Long("inputTokens"),
        OutputTokens = Long("outputTokens"),
        CachedInputTokens = Long("cachedInputTokens"),
        CostUsd = _numbers.TryGetValue("costUsd", out var cost) ? cost : null,
        Turns = _numbers.TryGetValue("turns", out var turns) ? (int)turns : null,
    };

    private long? Long(string fact) => _numbers.TryGetValue(fact, out var value) ? (long)value : null;

    /// <summary>One line of stdout. A line that is not a JSON object is ignored (some CLIs mix in progress text).</summary>
    public void Read(string line)
    {
        var trimmed = line.AsSpan().Trim();
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(trimmed.ToString());
        }
        catch (JsonException)
        {
            return; // a torn last line of a killed CLI
        }

        using (document)
        {
            Events++;
            string? step = null;
            string? message = null;
            foreach (var rule in _spec.Rules)
            {
                if (!Matches(document.RootElement, rule.Match))
                {
                    if (rule.AbortAfter is not null && !IsQuiet(document.RootElement))
                    {
                        _streaks[rule] = 0;
                    }

                    continue;
                }

                if (rule.AbortAfter is int limit && AbortReason is null)
                {
                    var streak = _streaks[rule] = _streaks.GetValueOrDefault(rule) + 1;
                    if (streak >= limit)
                    {
                        AbortReason = rule.AbortMessage ?? $"the runner repeated the same event {streak} times without progress";
                        Abort?.Invoke();
                    }
                }

                foreach (var fact in rule.Reset ?? [])
                {
                    _resetPending.Add(fact);
                }

                foreach (var fact in rule.Count ?? [])
                {
                    _numbers[fact] = _numbers.GetValueOrDefault(fact) + 1;
                }

                foreach (var (fact, path) in rule.Set ?? [])
                {
                    var values = Select(document.RootElement, path);
                    if (values.Count == 0)
                    {
                        continue;
                    }

                    if (fact == "denied")
                    {
                        _denied.AddRange(values.Select(Text).Where(t => t.Length > 0));
                    }
                    else if (fact == "step")
                    {
                        step = string.Join(", ", values.Select(Text));
                    }
                    else if (fact == "message")
                    {
                        message = string.Join("\n", values.Select(Text));
                    }
                    else if (IsNumeric(fact))
                    {
                        if (Number(values[0]) is { } number)
                        {
                            _numbers[fact] = number;
                        }
                    }
                    else
                    {
                        _text[fact] = string.Join("\n", values.Select(Text));
                    }
                }

                foreach (var (fact, path) in rule.Add ?? [])
                {
                    foreach (var value in Select(document.RootElement, path))
                    {
                        if (Number(value) is { } number)
                        {
                            _numbers[fact] = _numbers.GetValueOrDefault(fact) + number;
                        }
                    }
                }

                foreach (var (fact, path) in rule.Append ?? [])
                {
                    var values = Select(document.RootElement, path);
                    if (values.Count == 0)
                    {
                        continue;
                    }

                    var text = string.Concat(values.Select(Text));
                    if (_resetPending.Remove(fact) || !_text.TryGetValue(fact, out var before))
                    {
                        before = string.Empty;
                    }

                    _text[fact] = before + text;
                    if (fact == "answer")
                    {
                        message = text;
                    }
                }
            }

            if (_progress is not null)
            {
                _progress(new RunnerProgress
                {
                    Step = step,
                    Message = string.IsNullOrWhiteSpace(message) ? null : message,
                    Turns = (int)_numbers.GetValueOrDefault("turns"),
                    InputTokens = (long)(_numbers.GetValueOrDefault("inputTokens") + _numbers.GetValueOrDefault("sessionInputTokens")),
                    OutputTokens = (long)(_numbers.GetValueOrDefault("outputTokens") + _numbers.GetValueOrDefault("sessionOutputTokens")),
                });
            }
        }
    }

    /// <summary>Events that come between the repeats of a loop (a new step starting) do not break a streak.</summary>
    private bool IsQuiet(JsonElement root)
        => _spec.QuietTypes is { Count: > 0 } quiet && root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var type)
            && type.ValueKind == JsonValueKind.String && quiet.Contains(type.GetString()!);

    private static bool IsNumeric(string fact) => fact is "inputTokens" or "outputTokens" or "cachedInputTokens" or "costUsd" or "turns"
        or "sessionInputTokens" or "sessionOutputTokens" or "sessionCachedInputTokens" or "sessionCostUsd";

    private static bool Matches(JsonElement root, Dictionary<string, JsonElement> match)
    {
        foreach (var (path, expected) in match)
        {
            var values = Select(root, path);
            if (values.Count == 0)
            {
                return false;
            }

            var actual = values[0];
            var same = expected.ValueKind switch
            {
                JsonValueKind.String => actual.ValueKind == JsonValueKind.String && actual.GetString() == expected.GetString(),
                JsonValueKind.True or JsonValueKind.False => actual.ValueKind == expected.ValueKind,
                JsonValueKind.Number => actual.ValueKind == JsonValueKind.Number && actual.GetDecimal() == expected.GetDecimal(),
                JsonValueKind.Null => actual.ValueKind == JsonValueKind.Null,
                _ => false,
            };
            if (!same)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The values at a dotted path. A segment <c>name[]</c> goes into every element of an array,
    /// <c>name[key=value]</c> into the elements whose <c>key</c> is the string <c>value</c>.
    /// </summary>
    public static List<JsonElement> Select(JsonElement root, string path)
    {
        var current = new List<JsonElement> { root };
        foreach (var segment in path.Split('.'))
        {
            var next = new List<JsonElement>();
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? segment : segment[..bracket];
            string? filterKey = null;
            string? filterValue = null;
            var all = false;
            if (bracket >= 0)
            {
                var inner = segment[(bracket + 1)..].TrimEnd(']');
                all = true;
                var eq = inner.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    filterKey = inner[..eq];
                    filterValue = inner[(eq + 1)..];
                }
            }

            foreach (var element in current)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var child) || child.ValueKind is JsonValueKind.Null)
                {
                    continue;
                }

                if (!all)
                {
                    next.Add(child);
                    continue;
                }

                if (child.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var item in child.EnumerateArray())
                {
                    if (filterKey is null || (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(filterKey, out var key)
                        && key.ValueKind == JsonValueKind.String && key.GetString() == filterValue))
                    {
                        next.Add(item);
                    }
                }
            }

            current = next;
            if (current.Count == 0)
            {
                break;
            }
        }

        return current;
    }

    private static string Text(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString() ?? string.Empty,
        JsonValueKind.Null or JsonValueKind.Undefined => string.Empty,
        _ => element.GetRawText(),
    };

    private static decimal? Number(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetDecimal(out var d) => d,
        JsonValueKind.String when decimal.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };
}

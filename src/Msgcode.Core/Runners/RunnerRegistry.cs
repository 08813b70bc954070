namespace Msgcode.Core.Runners;

/// <summary>The runners this process knows, by kind, with their registry entries.</summary>
public sealed class RunnerRegistry
{
    private readonly Dictionary<string, IRunner> _runners = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, RunnerEntry> _entries = new(StringComparer.OrdinalIgnoreCase);

    public void Register(IRunner runner, RunnerEntry? entry = null)
    {
        _runners[runner.Kind] = runner;
        if (entry is not null)
        {
            _entries[runner.Kind] = entry;
        }
    }

    public IRunner? Find(string kind) => _runners.GetValueOrDefault(kind);

    public RunnerEntry? EntryOf(string kind) => _entries.GetValueOrDefault(kind);

    public IReadOnlyCollection<string> Kinds => _runners.Keys;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CapabilityRegistry, System.Collections.Concurrent.ConcurrentDictionary<string, RunnerRegistry>> Built = new();

    /// <summary>
    /// <see cref="From"/>, built once per capability registry (see <see cref="CapabilityRegistry.LoadCached"/>) and
    /// <paramref name="hostKey"/> (whatever the built-in runners depend on: the pwsh to start, the home). Runners
    /// hold no per-run state, so one registry serves every run.
    /// </summary>
    public static RunnerRegistry FromCached(CapabilityRegistry capabilities, string hostKey, Func<IReadOnlyDictionary<string, IRunner>> builtins)
        => Built.GetValue(capabilities, _ => new(StringComparer.Ordinal)).GetOrAdd(hostKey, _ => From(capabilities, builtins()));

    /// <summary>
    /// The registry for this process: every entry of the capability registry that has an implementation —
    /// a code runner from <paramref name="builtins"/> or a command template.
    /// </summary>
    public static RunnerRegistry From(CapabilityRegistry capabilities, IReadOnlyDictionary<string, IRunner> builtins)
    {
        var registry = new RunnerRegistry();
        foreach (var entry in capabilities.Entries)
        {
            if (entry.Builtin)
            {
                if (builtins.TryGetValue(entry.Kind, out var runner))
                {
                    registry.Register(runner, entry);
                }
            }
            else
            {
                registry.Register(new DeclarativeRunner(entry), entry);
            }
        }

        return registry;
    }
}

using Msgcode.Core.Config;

namespace Msgcode.Core.Memory;

/// <summary>The memory.inject* settings of a workspace, and the memory block they ask for.</summary>
public sealed record MemoryInjection(bool Enabled, int Top, int MaxChars)
{
    /// <summary>The settings in effect (resolve the report with the workspace so its own config counts).</summary>
    public static MemoryInjection From(ConfigReport report)
        => new(report.GetBoolean("memory.inject"), (int)report.GetInt64("memory.injectTop"), (int)report.GetInt64("memory.injectMaxChars"));

    /// <summary>The block to put before a chat task's prompt, or null when injection is off or nothing matches.</summary>
    public string? ContextFor(string workspace, string text)
        => Enabled ? MemoryStore.PromptContext(workspace, text, Top, MaxChars) : null;
}

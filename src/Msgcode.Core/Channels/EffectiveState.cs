using Msgcode.Core.Config;

namespace Msgcode.Core.Channels;

/// <summary>
/// What msgcode does with a chat (or a workspace) and why, across its five sources of truth: the configuration
/// layers, routes.json, jobs.json and the workspace's memory settings. Every fact names its source file, so
/// "why does this chat use codex?" or "why is this sender ignored?" is answered by one object.
/// </summary>
public sealed class EffectiveState
{
    /// <summary>The chat asked about (its GUID when it has a route), or null for a workspace.</summary>
    public string? Chat { get; init; }

    /// <summary>Whether the chat is a group chat (owner-only mode applies there); null for a workspace.</summary>
    public bool? IsGroup { get; init; }

    /// <summary>The workspace: the chat's route's, or the one asked about; null for a chat without a route.</summary>
    public string? Workspace { get; init; }

    /// <summary>The chat's route (status, label, workspace) in routes.json; for a workspace, the routes bound to it.</summary>
    public required IReadOnlyList<StateFact> Routes { get; init; }

    public required StateFact Runner { get; init; }

    public required StateFact Model { get; init; }

    public required StateFact Policy { get; init; }

    /// <summary>The sender asked about (-Sender), or null.</summary>
    public string? Sender { get; init; }

    /// <summary>Whether that sender's messages would be served in this chat; null without a sender.</summary>
    public bool? Served { get; init; }

    /// <summary>Why the sender is served or refused, naming the keys and files that decide it.</summary>
    public string? Reason { get; init; }

    /// <summary>The keys that decide who is served: whitelist.emails, whitelist.phones, whitelist.owners, channel.ownerOnlyInGroup.</summary>
    public required IReadOnlyList<StateFact> Access { get; init; }

    /// <summary>memory.inject with its limits (memory.injectTop, memory.injectMaxChars).</summary>
    public required StateFact Memory { get; init; }

    /// <summary>The jobs that deliver to this chat (delivery.chatGuid), or for a workspace the jobs that run in it.</summary>
    public required IReadOnlyList<StateFact> Jobs { get; init; }

    /// <summary>Files that could not be read while explaining (routes.json, jobs.json), as "ErrorId: file: reason".</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>Every configuration key as it applies here (the workspace layer included).</summary>
    public required IReadOnlyList<ConfigEntry> Keys { get; init; }

    /// <summary>The same explanation with only some keys (Get-MsgcodeEffectiveConfig -Name).</summary>
    public EffectiveState WithKeys(IReadOnlyList<ConfigEntry> keys) => new()
    {
        Chat = Chat, IsGroup = IsGroup, Workspace = Workspace, Routes = Routes, Runner = Runner, Model = Model, Policy = Policy, Sender = Sender,
        Served = Served, Reason = Reason, Access = Access, Memory = Memory, Jobs = Jobs, Problems = Problems, Keys = keys,
    };
}

namespace Msgcode.Core.Channels;

/// <summary>Where a subscription starts: after a row id (the highest cursor), or at a time (first run).</summary>
public readonly record struct SubscriptionStart(long? SinceRowid, DateTimeOffset? Start);

namespace Msgcode.Core.Config;

/// <summary>One assignment of a .env file.</summary>
public readonly record struct EnvFileEntry(string Name, string Value, int Line);

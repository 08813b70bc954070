namespace Msgcode.Core.Config;

/// <summary>One finding of <see cref="HomeAccess.Check"/>: the doctor shows it in its home category; the daemon does not start while one fails.</summary>
/// <param name="Name">home-writable or log-writable.</param>
/// <param name="Passed">Whether the folder can be written (or created).</param>
/// <param name="Message">What was found, in a sentence.</param>
/// <param name="FixHint">A command that fixes it; null when it passed.</param>
/// <param name="Path">The folder checked.</param>
public sealed record HomeAccessCheck(string Name, bool Passed, string Message, string? FixHint, string Path);

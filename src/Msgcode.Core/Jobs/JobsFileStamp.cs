namespace Msgcode.Core.Jobs;

/// <summary>
/// Identifies a version of jobs.json cheaply: length and modification time, plus a hash of the content so two
/// writes within one timestamp tick are still told apart.
/// </summary>
public sealed record JobsFileStamp(bool Exists, long Length, long MtimeTicks, string Hash)
{
    public static readonly JobsFileStamp Missing = new(false, 0, 0, string.Empty);
}

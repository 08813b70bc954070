using System.Globalization;
using System.Text;
using Lucene.Net.Search;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Memory;

/// <summary>
/// A workspace's memory: notes appended to <c>memory/YYYY-MM-DD.md</c> (one <c>## HH:mm:ss</c> section per
/// note; the files are the truth, for people to read and edit), and ranked full-text search over them
/// through a Lucene index that is only a cache. Appends are serialised per file across threads and
/// processes by the file's lock and written by atomic replace, so concurrent writers never lose or
/// interleave notes.
/// <see cref="MemoryQueries"/> turns a search into a Lucene query; <see cref="MemorySnippets"/> cuts a hit's snippet.
/// </summary>
public sealed class MemoryStore
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly string _workspace;
    private readonly string _directory;
    private readonly TimeProvider _clock;
    private readonly MemoryIndex _index;

    public MemoryStore(string workspace, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(workspace);
        _workspace = Path.GetFullPath(workspace);
        _directory = MemoryPaths.MemoryDirectory(_workspace);
        _clock = clock ?? TimeProvider.System;
        _index = new MemoryIndex(_directory);
    }

    /// <summary>Whether the last search rebuilt the index from nothing (for tests and the bench).</summary>
    internal bool LastSearchRebuiltIndex => _index.LastOpenRebuilt;

    /// <summary>The lock every append to the folder's day files takes.</summary>
    public const string NotesLockName = ".notes.lock";

    /// <summary>Appends a note to today's file (local time) and returns it as written.</summary>
    public MemoryEntry Add(string text, string[]? tags = null, string? source = null)
    {
        var body = ValidateText(text);
        var cleanTags = ValidateTags(tags);
        var cleanSource = CleanSource(source);
        RequireWorkspace();

        var now = _clock.GetLocalNow();
        var date = DateOnly.FromDateTime(now.DateTime);
        var time = new TimeOnly(now.Hour, now.Minute, now.Second);
        var path = Path.Combine(_directory, MemoryMarkdown.FileNameFor(date));
        var heading = MemoryMarkdown.Heading(time, cleanTags, cleanSource);
        int line;
        try
        {
            Directory.CreateDirectory(_directory);
            // One lock for the folder's notes (memory/.notes.lock), not one per day file: a workspace kept in git
            // would otherwise gather a lock file a day beside its notes.
            using (FileLock.Acquire(Path.Combine(_directory, NotesLockName)))
            {
                // The bytes already in the file are kept exactly (a hand edit's line endings, byte order
                // mark, even bytes that are not UTF-8): the note is appended after them, never re-encoded.
                var existing = File.Exists(path) ? File.ReadAllBytes(path) : [];
                var existingText = Utf8.GetString(existing);
                var newline = existingText.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
                var suffix = new StringBuilder();
                if (string.IsNullOrWhiteSpace(existingText))
                {
                    existing = [];
                    suffix.Append(MemoryMarkdown.Title(date));
                }
                else
                {
                    if (!existingText.EndsWith('\n'))
                    {
                        suffix.Append(newline);
                    }

                    if (MemoryMarkdown.EndsInsideFence(existingText))
                    {
                        suffix.Append("```").Append(newline); // a hand edit left a code fence open: close it, or it would swallow this note
                    }
                }

                suffix.Append(newline);
                line = existing.Count(b => b == (byte)'\n') + CountLines(suffix) + 1;
                suffix.Append("## ").Append(heading).Append(newline).Append(newline)
                    .Append(MemoryMarkdown.EscapeBody(body).Replace("\n", newline, StringComparison.Ordinal)).Append(newline);
                var added = Utf8.GetBytes(suffix.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", newline, StringComparison.Ordinal));
                var contents = new byte[existing.Length + added.Length];
                existing.CopyTo(contents, 0);
                added.CopyTo(contents, existing.Length);
                AtomicFile.WriteAllBytes(path, contents);
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException
                                   || ex is MsgcodeException { ErrorId: ErrorIds.FileWriteFailed, InnerException: UnauthorizedAccessException })
        {
            throw new MsgcodeException(ErrorIds.WorkspaceNotWritable, MsgcodeErrorCategory.PermissionDenied, _directory,
                $"Cannot write the memory folder '{_directory}': {ex.Message} Check its permissions.", ex);
        }

        return new MemoryEntry
        {
            Workspace = _workspace,
            Date = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Time = time.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            File = path,
            Line = line,
            Heading = heading,
            Text = body,
            Tags = cleanTags,
            Source = cleanSource,
        };
    }

    /// <summary>
    /// The notes that best match <paramref name="query"/>, best first (BM25; ties: newest first). The query
    /// takes Lucene's classic syntax (words must all match; "a phrase", OR, -word, tags:x, prefix*); a query
    /// that does not parse is searched as plain words. Only notes on or after <paramref name="since"/> count.
    /// </summary>
    public IReadOnlyList<MemoryHit> Search(string query, int top = 10, DateOnly? since = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        RequireWorkspace();
        if (string.IsNullOrWhiteSpace(query) || top < 1)
        {
            return [];
        }

        var userQuery = MemoryQueries.Parse(query);
        return Run(userQuery, query, top, since, fallback: () => MemoryQueries.Plain(query, Occur.MUST));
    }

    /// <summary>Deletes the index and builds it again from the memory files.</summary>
    public void RebuildIndex()
    {
        RequireWorkspace();
        if (Directory.Exists(_directory))
        {
            using var reader = _index.OpenFresh(forceRebuild: true);
        }
    }

    /// <summary>
    /// A short block of the notes that best match <paramref name="text"/> (any of its words), to put before a
    /// chat task's prompt; at most <paramref name="maxChars"/> characters, or null when nothing matches, the
    /// workspace has no memory, or the bounds leave no room. Never throws for a missing workspace.
    /// </summary>
    public static string? PromptContext(string workspace, string text, int top, int maxChars)
    {
        const string header = "Relevant notes from this workspace's memory (most relevant first):\n";
        if (string.IsNullOrWhiteSpace(workspace) || string.IsNullOrWhiteSpace(text) || top < 1 || maxChars <= header.Length + 16)
        {
            return null;
        }

        IReadOnlyList<MemoryHit> hits;
        try
        {
            var store = new MemoryStore(workspace);
            if (!Directory.Exists(store._directory))
            {
                return null;
            }

            var query = MemoryQueries.Plain(text, Occur.SHOULD);
            hits = query is null ? [] : store.Run(query, text, top, since: null, fallback: null);
        }
        catch (MsgcodeException)
        {
            return null;
        }

        if (hits.Count == 0)
        {
            return null;
        }

        var block = new StringBuilder(header);
        var share = Math.Max(80, (maxChars - header.Length) / hits.Count); // one long note does not crowd out the others
        foreach (var hit in hits)
        {
            var when = hit.Time is { Length: >= 5 } t ? $"{hit.Date} {t[..5]}" : hit.Date;
            var line = $"- [{when}] {MemorySnippets.OneLine(hit.Text)}";
            line = (line.Length + 1 > share ? line[..(share - 2)].TrimEnd() + "…" : line) + "\n";
            var room = maxChars - block.Length;
            if (line.Length <= room)
            {
                block.Append(line);
                continue;
            }

            if (room >= 24)
            {
                block.Append(line[..(room - 2)].TrimEnd()).Append("…\n");
            }

            break;
        }

        return block.Length == header.Length ? null : block.ToString().TrimEnd('\n');
    }

    private List<MemoryHit> Run(Query? query, string queryText, int top, DateOnly? since, Func<Query?>? fallback)
    {
        if (query is null || !Directory.Exists(_directory))
        {
            return []; // no memory yet: nothing to find, and no folder or index is created for it
        }

        using var reader = _index.OpenFresh();
        var searcher = new IndexSearcher(reader) { Similarity = MemoryIndex.Similarity };
        Filter? filter = since is DateOnly from
            ? new QueryWrapperFilter(TermRangeQuery.NewStringRange(MemoryIndex.DateField, from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null, true, true))
            : null;
        var sort = new Sort(SortField.FIELD_SCORE, new SortField(MemoryIndex.DateField, SortFieldType.STRING, true));
        TopDocs found;
        try
        {
            found = searcher.Search(query, filter, Math.Min(top, 10_000), sort, doDocScores: true, doMaxScore: false);
        }
        catch (Exception ex) when (fallback is not null && MemoryIndex.IsRecoverable(ex))
        {
            // A query that parsed but cannot run (too many expansions of a wildcard, ...): plain words instead.
            var plain = fallback();
            if (plain is null)
            {
                return [];
            }

            found = searcher.Search(plain, filter, Math.Min(top, 10_000), sort, doDocScores: true, doMaxScore: false);
        }

        var words = MemorySnippets.Words(queryText);
        var hits = new List<MemoryHit>(found.ScoreDocs.Length);
        foreach (var scoreDoc in found.ScoreDocs)
        {
            var doc = searcher.Doc(scoreDoc.Doc);
            var name = doc.Get(MemoryIndex.FileField);
            var body = doc.Get(MemoryIndex.BodyField) ?? string.Empty;
            var heading = doc.Get(MemoryIndex.HeadingField);
            var time = doc.Get(MemoryIndex.TimeField);
            var tags = doc.Get(MemoryIndex.TagsField);
            var source = doc.Get(MemoryIndex.SourceField);
            hits.Add(new MemoryHit
            {
                Workspace = _workspace,
                Date = doc.Get(MemoryIndex.DateField),
                Time = string.IsNullOrEmpty(time) ? null : time,
                File = Path.Combine(_directory, name),
                Line = doc.GetField(MemoryIndex.LineField)?.GetInt32Value() ?? 0,
                Heading = string.IsNullOrEmpty(heading) ? null : heading,
                Text = body,
                Snippet = MemorySnippets.Of(body.Length > 0 ? body : heading ?? string.Empty, words),
                Score = float.IsNaN(scoreDoc.Score) ? 0 : scoreDoc.Score,
                Tags = string.IsNullOrEmpty(tags) ? [] : tags.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                Source = string.IsNullOrEmpty(source) ? null : source,
            });
        }

        return hits;
    }

    private void RequireWorkspace()
    {
        if (!Directory.Exists(_workspace))
        {
            throw new MsgcodeException(ErrorIds.WorkspaceNotFound, MsgcodeErrorCategory.ObjectNotFound, _workspace,
                $"The workspace folder '{_workspace}' does not exist. Create it, or pass an existing folder to -Workspace.");
        }
    }

    private static string ValidateText(string text)
    {
        var body = (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Trim();
        if (body.Length == 0)
        {
            throw new MsgcodeException(ErrorIds.MemoryTextEmpty, MsgcodeErrorCategory.InvalidArgument, text,
                "A memory note needs some text. Pass the note to -Text (or pipe it in).");
        }

        return body;
    }

    private static List<string> ValidateTags(string[]? tags)
    {
        var clean = new List<string>();
        foreach (var raw in tags ?? [])
        {
            var tag = (raw ?? string.Empty).Trim().TrimStart('#');
            if (tag.Length == 0)
            {
                continue;
            }

            if (!MemoryMarkdown.IsValidTag(tag))
            {
                throw new MsgcodeException(ErrorIds.MemoryTagInvalid, MsgcodeErrorCategory.InvalidArgument, raw,
                    $"The tag '{raw}' is not valid: a tag is one word of letters, digits, '_', '-', '.', '/' or '+', at most 64 characters.");
            }

            if (!clean.Contains(tag, StringComparer.OrdinalIgnoreCase))
            {
                clean.Add(tag);
            }
        }

        return clean;
    }

    private static string? CleanSource(string? source)
    {
        if (source is null)
        {
            return null;
        }

        var clean = new string(source.Select(c => char.IsControl(c) || c == '·' ? ' ' : c).ToArray()).Trim();
        if (clean.Length > 64)
        {
            clean = clean[..64].TrimEnd();
        }

        return clean.Length == 0 ? null : clean;
    }

    private static int CountLines(StringBuilder text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                count++;
            }
        }

        return count;
    }
}

using System.Globalization;
using System.Text;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Msgcode.Core.Storage;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace Msgcode.Core.Memory;

/// <summary>
/// The Lucene index of a workspace's memory files, under <c>memory/.index/</c>. It is a cache: the commit
/// records the name, length and write time of every file it was built from, and whenever they differ from
/// the files on disk the changed files are re-indexed; a missing, corrupt or foreign index is deleted and
/// rebuilt. Lucene writes its own files (commits are atomic through its segments_N generations); updates
/// of the index are serialised across processes by <c>memory/.index.lock</c>. When the index cannot be
/// written at all (a read-only workspace), searches run over an in-memory index built for the call.
/// </summary>
internal sealed class MemoryIndex
{
    internal const string SchemaVersion = "msgcode-memory-1";
    private const string SchemaKey = "schema";
    private const string FilesKey = "files";

    internal const string FileField = "file";
    internal const string DateField = "date";
    internal const string LineField = "line";
    internal const string HeadingField = "heading";
    internal const string TimeField = "time";
    internal const string TagsField = "tags";
    internal const string SourceField = "source";
    internal const string BodyField = "text";
    internal const string ContentField = "content";

    private readonly string _memoryDirectory;
    private readonly string _indexDirectory;
    private readonly string _lockPath;

    public MemoryIndex(string memoryDirectory)
    {
        _memoryDirectory = memoryDirectory;
        _indexDirectory = Path.Combine(memoryDirectory, MemoryPaths.IndexFolderName);
        _lockPath = Path.Combine(memoryDirectory, MemoryPaths.IndexFolderName + ".lock");
    }

    /// <summary>Set when the last <see cref="OpenFresh"/> rebuilt the index from nothing (tests and the bench read it).</summary>
    internal bool LastOpenRebuilt { get; private set; }

    public static Similarity Similarity { get; } = new BM25Similarity();

    /// <summary>A reader over an index that matches the memory files on disk right now. The caller disposes it.</summary>
    public DirectoryReader OpenFresh(bool forceRebuild = false)
    {
        LastOpenRebuilt = false;
        var files = Scan();
        var fingerprint = Fingerprint(files);
        if (!forceRebuild && TryOpenCurrent(fingerprint) is DirectoryReader current)
        {
            return current;
        }

        try
        {
            using (FileLock.Acquire(_lockPath))
            {
                if (!forceRebuild && TryOpenCurrent(fingerprint) is DirectoryReader refreshed)
                {
                    return refreshed; // another process brought it up to date while we waited
                }

                try
                {
                    if (forceRebuild)
                    {
                        throw new InvalidDataException("rebuild requested");
                    }

                    Update(files, fingerprint, full: false);
                }
                catch (Exception ex) when (IsRecoverable(ex))
                {
                    DeleteIndex();
                    Update(files, fingerprint, full: true);
                    LastOpenRebuilt = true;
                }

                return TryOpenCurrent(fingerprint) ?? throw new InvalidDataException("the index just written could not be opened");
            }
        }
        catch (Exception ex) when (IsRecoverable(ex))
        {
            // The folder cannot hold an index (read-only, full disk, a file where the folder should be):
            // search over one built in memory for this call. Memory files stay the truth either way.
            var ram = new RAMDirectory();
            using (var writer = NewWriter(ram, OpenMode.CREATE))
            {
                foreach (var file in files)
                {
                    AddFile(writer, file.Name);
                }

                writer.Commit();
            }

            LastOpenRebuilt = true;
            return DirectoryReader.Open(ram);
        }
    }

    private DirectoryReader? TryOpenCurrent(string fingerprint)
    {
        if (!System.IO.Directory.Exists(_indexDirectory))
        {
            return null;
        }

        DirectoryReader? reader = null;
        try
        {
            var directory = FSDirectory.Open(new DirectoryInfo(_indexDirectory));
            if (!DirectoryReader.IndexExists(directory))
            {
                directory.Dispose();
                return null;
            }

            reader = DirectoryReader.Open(directory);
            var data = reader.IndexCommit.UserData;
            if (data.TryGetValue(SchemaKey, out var schema) && schema == SchemaVersion
                && data.TryGetValue(FilesKey, out var recorded) && recorded == fingerprint)
            {
                return reader;
            }
        }
        catch (Exception ex) when (IsRecoverable(ex))
        {
        }

        reader?.Dispose();
        return null;
    }

    private void Update(IReadOnlyList<MemoryFileStamp> files, string fingerprint, bool full)
    {
        System.IO.Directory.CreateDirectory(_indexDirectory);
        using var directory = FSDirectory.Open(new DirectoryInfo(_indexDirectory));
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!full)
        {
            if (!DirectoryReader.IndexExists(directory))
            {
                full = true;
            }
            else
            {
                using var reader = DirectoryReader.Open(directory);
                var data = reader.IndexCommit.UserData;
                if (!data.TryGetValue(SchemaKey, out var schema) || schema != SchemaVersion)
                {
                    throw new InvalidDataException("index written by another version");
                }

                foreach (var stamp in Parse(data.TryGetValue(FilesKey, out var recorded) ? recorded : string.Empty))
                {
                    previous[stamp.Name] = stamp.Stamp;
                }
            }
        }

        using var writer = NewWriter(directory, full ? OpenMode.CREATE : OpenMode.APPEND);
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            current.Add(file.Name);
            if (previous.TryGetValue(file.Name, out var stamp) && stamp == file.Stamp)
            {
                continue;
            }

            if (!full)
            {
                writer.DeleteDocuments(new Term(FileField, file.Name));
            }

            AddFile(writer, file.Name);
        }

        foreach (var gone in previous.Keys.Where(name => !current.Contains(name)))
        {
            writer.DeleteDocuments(new Term(FileField, gone));
        }

        writer.SetCommitData(new Dictionary<string, string> { [SchemaKey] = SchemaVersion, [FilesKey] = fingerprint });
        writer.Commit();

        var ignore = Path.Combine(_indexDirectory, ".gitignore");
        if (!File.Exists(ignore))
        {
            // Memory files belong in a workspace's git history; their cache does not.
            AtomicFile.WriteAllText(ignore, "# msgcode's search index: a cache, rebuilt from the memory files at any time.\n*\n");
        }
    }

    private static IndexWriter NewWriter(LuceneDirectory directory, OpenMode mode)
    {
        var config = new IndexWriterConfig(MemoryAnalyzer.Version, MemoryAnalyzer.ForIndex())
        {
            OpenMode = mode,
            Similarity = Similarity,
            RAMBufferSizeMB = 32,
        };
        return new IndexWriter(directory, config);
    }

    private void AddFile(IndexWriter writer, string name)
    {
        var date = MemoryMarkdown.DateOf(name)!.Value;
        string content;
        try
        {
            content = File.ReadAllText(Path.Combine(_memoryDirectory, name));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return; // unreadable now; its stamp is recorded, and any change to it re-indexes it
        }

        foreach (var note in MemoryMarkdown.Parse(content))
        {
            writer.AddDocument(ToDocument(name, date, note));
        }
    }

    private static Document ToDocument(string name, DateOnly date, ParsedNote note)
    {
        var headingWords = note.Heading ?? string.Empty;
        if (note.Time is not null)
        {
            // The time is not a word anyone searches for; the tags and source in the heading are.
            var space = headingWords.IndexOfAny([' ', '\t', '·']);
            headingWords = space < 0 ? string.Empty : headingWords[space..];
        }

        return new Document
        {
            new StringField(FileField, name, Field.Store.YES),
            new StringField(DateField, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Field.Store.YES),
            new StoredField(LineField, note.Line),
            new StoredField(HeadingField, note.Heading ?? string.Empty),
            new StoredField(TimeField, note.Time?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? string.Empty),
            new TextField(TagsField, string.Join(' ', note.Tags), Field.Store.YES),
            new StoredField(SourceField, note.Source ?? string.Empty),
            new StoredField(BodyField, note.Text),
            new TextField(ContentField, headingWords + "\n" + note.Text, Field.Store.NO),
        };
    }

    /// <summary>The memory files on disk, by name, with a stamp (length and write time) that changes when they do.</summary>
    private List<MemoryFileStamp> Scan()
    {
        var files = new List<MemoryFileStamp>();
        if (!System.IO.Directory.Exists(_memoryDirectory))
        {
            return files;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(_memoryDirectory, "*.md"))
        {
            var name = Path.GetFileName(path);
            if (MemoryMarkdown.DateOf(name) is null)
            {
                continue;
            }

            try
            {
                var info = new FileInfo(path);
                files.Add(new MemoryFileStamp(name, info.Length.ToString(CultureInfo.InvariantCulture) + "@" + info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return files;
    }

    private static string Fingerprint(IEnumerable<MemoryFileStamp> files)
    {
        var text = new StringBuilder();
        foreach (var file in files)
        {
            text.Append(file.Name).Append('|').Append(file.Stamp).Append('\n');
        }

        return text.ToString();
    }

    private static IEnumerable<MemoryFileStamp> Parse(string fingerprint)
    {
        foreach (var line in fingerprint.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var bar = line.IndexOf('|', StringComparison.Ordinal);
            if (bar > 0)
            {
                yield return new MemoryFileStamp(line[..bar], line[(bar + 1)..]);
            }
        }
    }

    private void DeleteIndex()
    {
        try
        {
            if (System.IO.Directory.Exists(_indexDirectory))
            {
                System.IO.Directory.Delete(_indexDirectory, recursive: true);
            }
            else if (File.Exists(_indexDirectory))
            {
                File.Delete(_indexDirectory); // a stray file where the folder belongs
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Every failure of a cache is recoverable by rebuilding it, except the process running out of memory.</summary>
    internal static bool IsRecoverable(Exception ex) => ex is not (OutOfMemoryException or StackOverflowException);

    private readonly record struct MemoryFileStamp(string Name, string Stamp);
}

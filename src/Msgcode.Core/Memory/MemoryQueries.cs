using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;

namespace Msgcode.Core.Memory;

/// <summary>A search's words as a Lucene query: the user's query in Lucene's classic syntax, or plain words.</summary>
internal static class MemoryQueries
{
    private const int MaxQueryTerms = 256;

    /// <summary>The user's query in Lucene's classic syntax; when it does not parse (or parses to nothing), its plain words.</summary>
    public static Query? Parse(string query)
    {
        try
        {
            using var analyzer = MemoryAnalyzer.ForQuery();
            var parser = new QueryParser(MemoryAnalyzer.Version, MemoryIndex.ContentField, analyzer)
            {
                DefaultOperator = Operator.AND,
                AllowLeadingWildcard = false,
            };
            var parsed = parser.Parse(query);
            if (parsed is BooleanQuery { Clauses.Count: 0 })
            {
                return Plain(query, Occur.MUST);
            }

            return parsed;
        }
        catch (Exception ex) when (MemoryIndex.IsRecoverable(ex))
        {
            return Plain(query, Occur.MUST);
        }
    }

    /// <summary>
    /// What a search is limited to: notes on or after <paramref name="since"/>, carrying every one of <paramref name="tags"/>
    /// (a leading # ignored, analysed as the tags were when indexed); null when there is no limit.
    /// </summary>
    public static Filter? Filter(DateOnly? since, IReadOnlyCollection<string>? tags)
    {
        var limits = new BooleanQuery();
        if (since is DateOnly from)
        {
            limits.Add(TermRangeQuery.NewStringRange(MemoryIndex.DateField, from.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), null, true, true), Occur.MUST);
        }

        foreach (var tag in tags ?? [])
        {
            // A tag that analyses to nothing (only punctuation) matches no note rather than every note.
            limits.Add(Plain(tag.Trim().TrimStart('#'), Occur.MUST, MemoryIndex.TagsField) ?? new TermQuery(new Term(MemoryIndex.TagsField, string.Empty)), Occur.MUST);
        }

        return limits.Clauses.Count == 0 ? null : new QueryWrapperFilter(limits);
    }

    /// <summary>The analysed words of <paramref name="text"/> as term queries on <paramref name="field"/> (syntax characters are just text here).</summary>
    public static Query? Plain(string text, Occur occur, string field = MemoryIndex.ContentField)
    {
        var terms = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using (var analyzer = MemoryAnalyzer.ForQuery())
        using (var stream = analyzer.GetTokenStream(field, text))
        {
            var term = stream.AddAttribute<ICharTermAttribute>();
            stream.Reset();
            while (stream.IncrementToken() && terms.Count < MaxQueryTerms)
            {
                var value = term.ToString();
                if (seen.Add(value))
                {
                    terms.Add(value);
                }
            }

            stream.End();
        }

        if (terms.Count == 0)
        {
            return null;
        }

        var query = new BooleanQuery();
        foreach (var value in terms)
        {
            query.Add(new TermQuery(new Term(field, value)), occur);
        }

        return query;
    }
}

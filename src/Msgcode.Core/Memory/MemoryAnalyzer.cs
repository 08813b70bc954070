using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Cjk;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Util;

namespace Msgcode.Core.Memory;

/// <summary>
/// Text analysis for memory: Unicode word breaking (StandardTokenizer), full-width/half-width folding,
/// lower case, English stop words, and CJK bigrams. Chinese has no spaces between words, so Han, kana
/// and Hangul runs are indexed as overlapping bigrams (数据库 → 数据, 据库) plus single characters; a query
/// is analysed into bigrams only, so any Chinese substring of two or more characters matches, and a
/// single character matches through the unigrams.
/// </summary>
internal sealed class MemoryAnalyzer : Analyzer
{
    public const LuceneVersion Version = LuceneVersion.LUCENE_48;

    private readonly bool _unigrams;

    private MemoryAnalyzer(bool unigrams) => _unigrams = unigrams;

    /// <summary>For documents: bigrams and unigrams.</summary>
    public static MemoryAnalyzer ForIndex() => new(unigrams: true);

    /// <summary>For queries: bigrams (a lone CJK character stays a unigram).</summary>
    public static MemoryAnalyzer ForQuery() => new(unigrams: false);

    protected override TokenStreamComponents CreateComponents(string fieldName, TextReader reader)
    {
        var source = new StandardTokenizer(Version, reader);
        TokenStream stream = new CJKWidthFilter(source);
        stream = new LowerCaseFilter(Version, stream);
        stream = new CJKBigramFilter(stream, CJKScript.HAN | CJKScript.HIRAGANA | CJKScript.KATAKANA | CJKScript.HANGUL, _unigrams);
        stream = new StopFilter(Version, stream, StandardAnalyzer.STOP_WORDS_SET);
        return new TokenStreamComponents(source, stream);
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SCOFacts.Domain.Facts;

namespace SCOFacts.Domain.Sources;

/// <summary>The text of a source's document, with its digest: claims about the source are checked against it.</summary>
/// <param name="SourceId">The source the document belongs to.</param>
/// <param name="Text">The document's text, exactly as its UTF-8 bytes decode.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the text's UTF-8 bytes.</param>
/// <param name="AttachedBy">Principal name.</param>
public sealed record SourceDocumentAttached(string SourceId, string Text, string Sha256, string AttachedBy);

/// <summary>Attaching a source's document text; once attached it does not change (claims were checked against it).</summary>
/// <param name="SourceId">A registered source.</param>
/// <param name="Text">The document's text.</param>
/// <param name="AttachedBy">Principal name.</param>
public sealed record AttachSourceDocument(string SourceId, string Text, string AttachedBy) : ISourceCommand;

/// <summary>Where a quote occurs in a document: UTF-16 offset and length, and the 1-based non-empty line it starts in.</summary>
public sealed record QuoteLocation(int Offset, int Length, int Paragraph)
{
    /// <summary>The claim locator for this place.</summary>
    public Locator ToLocator() => new(Paragraph, Offset);
}

/// <summary>The part of a document nearest to a quote that does not occur in it verbatim.</summary>
/// <param name="Text">The passage, verbatim from the document.</param>
/// <param name="Offset">UTF-16 offset of the passage.</param>
/// <param name="Length">UTF-16 length of the passage.</param>
/// <param name="Paragraph">1-based non-empty line the passage starts in.</param>
/// <param name="Similarity">0 (nothing in common) to 1 (the same words, spelled differently only in case, spacing or punctuation).</param>
public sealed record Passage(string Text, int Offset, int Length, int Paragraph, double Similarity);

/// <summary>How a quote and its locator stand against a document.</summary>
public enum QuoteCheckOutcome
{
    /// <summary>The quote occurs verbatim, at the locator when one was given.</summary>
    Verbatim,

    /// <summary>The quote does not occur verbatim; <see cref="QuoteCheck.Closest"/> suggests what was meant.</summary>
    NotFound,

    /// <summary>The quote occurs verbatim, but not where the locator says; <see cref="QuoteCheck.Location"/> says where.</summary>
    LocatorMismatch,
}

/// <summary>The result of <see cref="SourceDocument.Check"/>.</summary>
/// <param name="Outcome">Verbatim, not found, or found elsewhere than the locator says.</param>
/// <param name="Location">Where the quote is (for a verbatim quote, the occurrence the locator names, else the first).</param>
/// <param name="Closest">For a quote not found: the closest passage, when the document shares any word with it.</param>
public sealed record QuoteCheck(QuoteCheckOutcome Outcome, QuoteLocation? Location, Passage? Closest)
{
    /// <summary>True when the quote and locator (if any) hold.</summary>
    public bool IsVerbatim => Outcome == QuoteCheckOutcome.Verbatim;
}

/// <summary>
/// A document's text with what checking quotes against it needs: verbatim search, the locator of a quote
/// (docs/seed-format.md: 1-based non-empty line, 0-based UTF-16 offset) and the closest passage to a quote
/// that is not there. Pure and immutable: safe to share and cache.
/// </summary>
public sealed class SourceDocument
{
    /// <summary>Texts longer than this are refused: a document is an article or a paper, not a corpus.</summary>
    public const int MaxLength = 1_000_000;

    // Start offset of every line, for paragraph numbers by binary search.
    private readonly int[] _lineStarts;

    // For each line, how many non-empty lines precede it (the paragraph number of a non-empty line, less one).
    private readonly int[] _paragraphsBefore;

    private SourceDocument(string text, string sha256)
    {
        Text = text;
        Sha256 = sha256;
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n') starts.Add(i + 1);
        }
        _lineStarts = [.. starts];
        _paragraphsBefore = new int[_lineStarts.Length];
        var count = 0;
        for (var line = 0; line < _lineStarts.Length; line++)
        {
            _paragraphsBefore[line] = count;
            var end = line + 1 < _lineStarts.Length ? _lineStarts[line + 1] : text.Length;
            if (!string.IsNullOrWhiteSpace(text.AsSpan(_lineStarts[line], end - _lineStarts[line]).ToString())) count++;
        }
    }

    /// <summary>The document's text.</summary>
    public string Text { get; }

    /// <summary>Lower-case hex SHA-256 of <see cref="Text"/>'s UTF-8 bytes.</summary>
    public string Sha256 { get; }

    /// <summary>The text's length in UTF-16 code units, the unit of every offset.</summary>
    public int Length => Text.Length;

    /// <summary>A document over <paramref name="text"/>.</summary>
    public static SourceDocument Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new SourceDocument(text, DigestOf(text));
    }

    /// <summary>Lower-case hex SHA-256 of the text's UTF-8 bytes: the digest of the file the text was read from.</summary>
    public static string DigestOf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Why a text cannot be a document, or null when it can.</summary>
    public static Rejection? Validate(string? text) =>
        string.IsNullOrWhiteSpace(text) ? Rejection.Validation("empty-document", "A document needs some text.")
        : text.Length > MaxLength ? Rejection.Validation("document-too-long", $"A document may hold at most {MaxLength} characters; this one has {text.Length}.")
        : text.Contains('\0', StringComparison.Ordinal) ? Rejection.Validation("bad-document", "A document's text may not contain NUL characters.")
        : null;

    /// <summary>The 1-based non-empty line that <paramref name="offset"/> falls in (the next non-empty one when it is on an empty line).</summary>
    public int ParagraphAt(int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Text.Length);
        var line = Array.BinarySearch(_lineStarts, offset);
        if (line < 0) line = ~line - 1;
        return _paragraphsBefore[line] + 1;
    }

    /// <summary>Every place <paramref name="quote"/> occurs verbatim (ordinal comparison), in document order.</summary>
    public IReadOnlyList<QuoteLocation> FindAll(string quote)
    {
        var found = new List<QuoteLocation>();
        if (string.IsNullOrEmpty(quote)) return found;
        for (var at = Text.IndexOf(quote, StringComparison.Ordinal); at >= 0; at = Text.IndexOf(quote, at + 1, StringComparison.Ordinal))
            found.Add(new QuoteLocation(at, quote.Length, ParagraphAt(at)));
        return found;
    }

    /// <summary>The first place <paramref name="quote"/> occurs verbatim, or null.</summary>
    public QuoteLocation? Find(string quote) => FindAll(quote) is [var first, ..] ? first : null;

    /// <summary>
    /// Checks a claim's quote and locator. A verbatim quote's location is the occurrence the locator names (by
    /// offset, else by paragraph), else the first; a locator no occurrence matches is a mismatch.
    /// </summary>
    public QuoteCheck Check(string quote, Locator? locator)
    {
        ArgumentNullException.ThrowIfNull(quote);
        var all = FindAll(quote);
        if (all.Count == 0) return new QuoteCheck(QuoteCheckOutcome.NotFound, null, ClosestPassage(quote));
        if (locator is null || (locator.Offset is null && locator.Paragraph is null)) return new QuoteCheck(QuoteCheckOutcome.Verbatim, all[0], null);
        var match = all.FirstOrDefault(l => (locator.Offset is null || locator.Offset == l.Offset) && (locator.Paragraph is null || locator.Paragraph == l.Paragraph));
        return match is null
            ? new QuoteCheck(QuoteCheckOutcome.LocatorMismatch, all[0], null)
            : new QuoteCheck(QuoteCheckOutcome.Verbatim, match, null);
    }

    /// <summary>
    /// The passage nearest to a quote: first the same words with only case, spacing, quote marks or dashes differing;
    /// else the run of words sharing the most words with the quote. Null when the document shares no word with it.
    /// </summary>
    public Passage? ClosestPassage(string quote)
    {
        ArgumentNullException.ThrowIfNull(quote);
        if (FoldedMatch(quote) is { } folded) return folded;
        var quoteWords = Words(quote).Select(w => w.Word).ToList();
        if (quoteWords.Count == 0) return null;
        var words = Words(Text).ToList();
        if (words.Count == 0) return null;

        var wanted = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var w in quoteWords) wanted[w] = wanted.GetValueOrDefault(w) + 1;

        // Slide a window as long as the quote and keep the start sharing the most words with it (multiset overlap).
        var size = Math.Min(quoteWords.Count, words.Count);
        var have = new Dictionary<string, int>(StringComparer.Ordinal);
        var overlap = 0;
        void Add(string w, int delta)
        {
            var before = have.GetValueOrDefault(w);
            var after = before + delta;
            have[w] = after;
            var need = wanted.GetValueOrDefault(w);
            overlap += Math.Min(after, need) - Math.Min(before, need);
        }
        for (var i = 0; i < size; i++) Add(words[i].Word, 1);
        var bestStart = 0;
        var bestOverlap = overlap;
        for (var start = 1; start + size <= words.Count; start++)
        {
            Add(words[start - 1].Word, -1);
            Add(words[start + size - 1].Word, 1);
            if (overlap > bestOverlap)
            {
                bestOverlap = overlap;
                bestStart = start;
            }
        }
        if (bestOverlap == 0) return null;

        // Then let the window's ends move a few words to fit the passage to the quote (Dice coefficient).
        var slack = Math.Clamp(quoteWords.Count / 4, 2, 10);
        var (from, to, score) = (bestStart, bestStart + size - 1, -1.0);
        for (var s = Math.Max(0, bestStart - slack); s <= Math.Min(words.Count - 1, bestStart + slack); s++)
        {
            for (var e = Math.Max(s, bestStart + size - 1 - slack); e <= Math.Min(words.Count - 1, bestStart + size - 1 + slack); e++)
            {
                var dice = Dice(wanted, quoteWords.Count, words, s, e);
                if (dice > score + 1e-12)
                {
                    (from, to, score) = (s, e, dice);
                }
            }
        }
        var offset = words[from].Offset;
        var length = words[to].Offset + words[to].Length - offset;
        return new Passage(Text.Substring(offset, length), offset, length, ParagraphAt(offset), Math.Round(score, 3));
    }

    private static double Dice(Dictionary<string, int> wanted, int wantedCount, List<(string Word, int Offset, int Length)> words, int from, int to)
    {
        var have = new Dictionary<string, int>(StringComparer.Ordinal);
        var overlap = 0;
        for (var i = from; i <= to; i++)
        {
            var w = words[i].Word;
            var n = have.GetValueOrDefault(w) + 1;
            have[w] = n;
            if (n <= wanted.GetValueOrDefault(w)) overlap++;
        }
        return 2.0 * overlap / (wantedCount + (to - from + 1));
    }

    /// <summary>Words (runs of letters and digits), lower-cased, with their place in the text.</summary>
    private static IEnumerable<(string Word, int Offset, int Length)> Words(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetterOrDigit(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && char.IsLetterOrDigit(text[i])) i++;
            yield return (text[start..i].ToLowerInvariant(), start, i - start);
        }
    }

    /// <summary>The quote found after folding case, runs of spaces, typographic quote marks and dashes, or null.</summary>
    private Passage? FoldedMatch(string quote)
    {
        var (foldedQuote, _) = Fold(quote);
        var trimmed = foldedQuote.Trim();
        if (trimmed.Length == 0) return null;
        var (foldedText, origin) = Fold(Text);
        var at = foldedText.IndexOf(trimmed, StringComparison.Ordinal);
        if (at < 0) return null;
        var offset = origin[at];
        var end = origin[at + trimmed.Length - 1] + 1;
        return new Passage(Text[offset..end], offset, end - offset, ParagraphAt(offset), 1.0);
    }

    /// <summary>The folded text, and for each of its characters the offset in the original it came from.</summary>
    private static (string Folded, int[] Origin) Fold(string text)
    {
        var folded = new StringBuilder(text.Length);
        var origin = new List<int>(text.Length);
        var lastWasSpace = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (lastWasSpace) continue;
                lastWasSpace = true;
                folded.Append(' ');
                origin.Add(i);
                continue;
            }
            lastWasSpace = false;
            folded.Append(CharUnicodeInfo.GetUnicodeCategory(c) switch
            {
                UnicodeCategory.DashPunctuation => '-',
                UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation => c is '\u201C' or '\u201D' or '\u00AB' or '\u00BB' ? '"' : '\'',
                _ => c == '"' ? '"' : char.ToLowerInvariant(c),
            });
            origin.Add(i);
        }
        return (folded.ToString(), [.. origin]);
    }
}

using System.Security.Cryptography;
using System.Text;
using SCOFacts.Api.Seeding;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Values;
using Xunit.Abstractions;

namespace SCOFacts.Api.Tests.Seeding;

/// <summary><c>seeds verify</c>: every quote verbatim in its document, every document's SHA-256 as recorded.</summary>
public sealed class SeedVerifierTests(ITestOutputHelper output)
{
    [Fact]
    public void The_repository_seeds_match_the_shared_documents()
    {
        var seeds = SeedSet.Load(RepoPaths.Seeds);
        var problems = SeedVerifier.Verify(seeds, RepoPaths.Documents);

        if (!Directory.Exists(RepoPaths.Documents))
        {
            // A clone without ../shared/seeds cannot check the quotes. It still checks the verifier does not pass
            // silently: every source's document must be reported missing (CI's .ci/run fails on this case).
            output.WriteLine($"NOT CHECKED: no documents folder at {RepoPaths.Documents}; only the missing-document report is tested.");
            var documented = seeds.Sources.Where(s => s.Document is not null).ToList();
            Assert.NotEmpty(documented);
            Assert.Equal(documented.Count, problems.Count);
            Assert.All(documented, s => Assert.Contains(problems, p => p.StartsWith($"source {s.Id}: document {s.Document} not found", StringComparison.Ordinal)));
            return;
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void A_quote_with_one_character_changed_is_reported_against_the_shared_documents()
    {
        if (!Directory.Exists(RepoPaths.Documents))
        {
            output.WriteLine($"NOT CHECKED against the real documents: no folder at {RepoPaths.Documents} (the generated-document test covers the rule).");
            return;
        }
        var seeds = SeedSet.Load(RepoPaths.Seeds);
        var target = seeds.Claims.First(c => c.Id == "c-unga-comm-014");
        var tampered = seeds with { Claims = seeds.Claims.Select(c => c == target ? c with { Quote = ChangeOneCharacter(c.Quote) } : c).ToList() };

        var problem = Assert.Single(SeedVerifier.Verify(tampered, RepoPaths.Documents));
        Assert.StartsWith("claim c-unga-comm-014: quote not found verbatim", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_character_a_moved_locator_and_a_changed_document_are_each_reported()
    {
        var folder = Directory.CreateTempSubdirectory("scofacts-verify-").FullName;
        try
        {
            // A document of our own, so the rule is tested whether or not the shared documents are present.
            const string text = "First line.\nThe organisation covers “nearly half” of the world’s population—by one count.\n";
            File.WriteAllText(Path.Combine(folder, "doc.txt"), text, new UTF8Encoding(false));
            var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
            const string quote = "covers “nearly half” of the world’s population—by one count";
            var offset = text.IndexOf(quote, StringComparison.Ordinal);
            var source = new SeedSource("doc", "A document", "Someone", null, null, null, "news", "en", "doc.txt", digest, null);
            var fact = new SeedFact("x.share", "x", "share", null, "quantity", "percent", null, "A share.");
            var claim = new SeedClaim("c-1", "x.share", "doc", new QuantityValue("half", "fraction", QuantityApprox.Nearly),
                ValidTime.Always, quote, new Locator(2, offset), null);
            var seeds = new SeedSet([source], [fact], [claim], []);

            Assert.Empty(SeedVerifier.Verify(seeds, folder));

            var changed = seeds with { Claims = [claim with { Quote = ChangeOneCharacter(quote) }] };
            Assert.StartsWith("claim c-1: quote not found verbatim", Assert.Single(SeedVerifier.Verify(changed, folder)), StringComparison.Ordinal);

            // Typographic quotes are characters like any other: straight ones do not match curly ones.
            var straightened = seeds with { Claims = [claim with { Quote = quote.Replace('“', '"').Replace('”', '"') }] };
            Assert.Single(SeedVerifier.Verify(straightened, folder));

            var moved = seeds with { Claims = [claim with { Locator = new Locator(2, offset + 1) }] };
            Assert.Equal($"claim c-1: quote is at offset {offset}, the locator says {offset + 1}", Assert.Single(SeedVerifier.Verify(moved, folder)));

            File.WriteAllText(Path.Combine(folder, "doc.txt"), text + " ", new UTF8Encoding(false));
            Assert.StartsWith("source doc: doc.txt has SHA-256", Assert.Single(SeedVerifier.Verify(seeds, folder)), StringComparison.Ordinal);

            File.Delete(Path.Combine(folder, "doc.txt"));
            Assert.StartsWith("source doc: document doc.txt not found", Assert.Single(SeedVerifier.Verify(seeds, folder)), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The quote with its middle letter replaced by another letter.</summary>
    private static string ChangeOneCharacter(string quote)
    {
        var i = quote.Length / 2;
        while (!char.IsLetter(quote[i])) i++;
        var replacement = quote[i] == 'x' ? 'y' : 'x';
        return string.Concat(quote.AsSpan(0, i), replacement.ToString(), quote.AsSpan(i + 1));
    }
}

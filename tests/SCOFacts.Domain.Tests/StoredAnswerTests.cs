using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Reconciliation;
using SCOFacts.Domain.Values;
using static SCOFacts.Domain.Tests.Build;

namespace SCOFacts.Domain.Tests;

/// <summary>What the facts projection stores: a fact's state as text, and its answers per stretch of valid time.</summary>
public class StoredAnswerTests
{
    private const string F = "sco.population-share-of-world";

    // Every kind of event: a stretch with a scoped upheld dispute, a rejected one, an open one, a retraction, a
    // correction, endorsements, a gap in valid time and a figure carried forward past the last claim's end.
    private static FactState Story() => Fold(
        QuantityFact(),
        Claim(F, "c1", "s1", Q("40", "percent", QuantityApprox.About), Between("2005", "2012")),
        Claim(F, "c2", "s2", Q("41", "percent", QuantityApprox.About), Between("2006", "2011")),
        Claim(F, "c3", "s3", Q("44", "percent"), At("2015")),
        Claim(F, "c4", "s4", Q("30", "percent"), Between("2009", "2020")),
        Claim(F, "c5", "s5", Q("42", "percent", QuantityApprox.About), Between("2010-06-01", null)),
        Claim(F, "c6", "s6", Q("45", "percent", QuantityApprox.About), Between("2018", "2019")),
        Claim(F, "c7", "s1", Q("43", "percent"), At("2017")),
        new ClaimDisputed(F, "c4", "d1", "Counted differently.", new CounterEvidence("s5", "about 42 percent"), Principal),
        new DisputeUpheld(F, "c4", "d1", "editor", "The later count stands."),
        new ClaimDisputed(F, "c2", "d2", "Looks low.", null, Principal),
        new DisputeRejected(F, "c2", "d2", "editor", null),
        new ClaimDisputed(F, "c6", "d3", "Unclear source.", null, Principal),
        new ClaimEndorsed(F, "c1", "checker-a", "Seen."),
        new ClaimEndorsed(F, "c1", "checker-b", null),
        new ClaimRetracted(F, "c7", "editor", "Misread."),
        new ClaimCorrected(F, "c3", Q("44", "percent"), Q("44", "percent", QuantityApprox.About), "editor", "The source says about."));

    private static readonly SourceReliabilities Weights = Reliabilities(
        ("s1", "Xinhua", 0.8), ("s2", "TASS", 0.6), ("s3", "UN", 0.9), ("s4", "Blog", 0.3), ("s5", "World Bank", 0.85), ("s6", "Daily", 0.5));

    [Fact]
    public void A_folded_fact_reads_back_exactly_from_its_stored_text()
    {
        var state = Story();
        Assert.Contains(state.Claims["c4"].Disputes, d => d.ExcludedFrom is not null);
        var text = FactStateJson.Serialize(state);
        var read = FactStateJson.Deserialize(text);

        Assert.Equal(text, FactStateJson.Serialize(read));
        Assert.Equal(state.ClaimOrder, read.ClaimOrder);
        Assert.Equal(state.DisputeIds.Order(StringComparer.Ordinal), read.DisputeIds.Order(StringComparer.Ordinal));
        Assert.Equal(state.Definition!.Describe(), read.Definition!.Describe());
        foreach (var day in Days())
            Assert.Equal(Describe(Reconciler.Reconcile(state, Weights, day)), Describe(Reconciler.Reconcile(read, Weights, day)));

        // Folding goes on from the read state as from the original.
        var more = new ClaimRecorded(F, "c8", "s2", Q("43", "percent", QuantityApprox.About), At("2021"), "quote", null, null, Principal);
        Assert.Equal(FactStateJson.Serialize(Fact.Evolve(state, more)), FactStateJson.Serialize(Fact.Evolve(read, more)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_day_from_the_first_known_one_is_answered_by_its_stretch_as_reconciling_it_afresh(bool timeless)
    {
        var state = timeless
            ? Fold(new FactDefined("sco.founding-date", "sco", "founding-date", new Dictionary<string, string>(), FactValueType.Date, null, null,
                    "When the SCO was founded.", Principal),
                Claim("sco.founding-date", "t1", "s1", new DateValue(PartialDate.Parse("2001-06-15")), At("2001")),
                Claim("sco.founding-date", "t2", "s4", new DateValue(PartialDate.Parse("1996-04-26")), At("1996")),
                new ClaimDisputed("sco.founding-date", "t2", "td", "That is the Shanghai Five.", null, Principal),
                new DisputeUpheld("sco.founding-date", "t2", "td", "editor", null))
            : Story();
        var stretches = Reconciler.Stretches(state, Weights);
        Assert.NotEmpty(stretches);
        var checkedDays = 0;
        foreach (var day in Days())
        {
            var stretch = stretches.SingleOrDefault(s => s.Covers(day));
            if (stretch is null)
            {
                // Only days before anything is known are left out.
                Assert.True(day < stretches[0].From, $"no stretch covers {day}");
                continue;
            }
            foreach (var validAt in new DateOnly?[] { null, day })
            {
                var fresh = Reconciler.Reconcile(state, Weights, validAt, day);
                var restated = stretch.Result with
                {
                    ValidAt = validAt,
                    ReferenceDate = stretch.Day.ReferenceDate(day),
                    Explanation = stretch.Day.Explanation(day, validAt),
                };
                Assert.Equal(Describe(fresh), Describe(restated));
                if (validAt is null) Assert.Equal(Describe(fresh), Describe(stretch.On(day)));
                checkedDays++;
            }
        }
        Assert.True(checkedDays > 100);
        // The story reaches a carried-forward answer.
        if (!timeless) Assert.Contains(stretches, s => s.Day.CarriedForwardFrom is not null);
    }

    [Fact]
    public void Stretches_worked_out_again_from_earlier_ones_equal_fresh_ones_and_keep_only_the_answers_nothing_moved()
    {
        var state = Story();
        var earlier = Reconciler.Stretches(state, Weights, null);
        Assert.Equal(Describe(Reconciler.Stretches(state, Weights)), Describe(earlier.All));

        // Nothing moved: every answer is kept.
        var again = Reconciler.Stretches(state, Weights, earlier);
        Assert.All(again.All.Zip(earlier.All), p => Assert.Same(p.Second.Result, p.First.Result));

        // A claim for 2013 alone: only the stretches it speaks for, or is carried forward to until 2015's claim, are
        // reconciled again; the many before and after keep their answers.
        var recorded = Fact.Evolve(state, Claim(F, "c9", "s3", Q("46", "percent", QuantityApprox.About), At("2013")));
        var afterClaim = Reconciler.Stretches(recorded, Weights, earlier);
        Assert.Equal(Describe(Reconciler.Stretches(recorded, Weights)), Describe(afterClaim.All));
        var redone = afterClaim.All.Where(s => !earlier.All.Any(e => ReferenceEquals(e.Result, s.Result))).ToList();
        Assert.Equal([Day("2013-01-01"), Day("2014-01-01")], redone.Select(s => s.From!.Value));
        Assert.True(afterClaim.All.Count > 10);

        // Each kind of change, on top of the last, still equals a fresh reconciliation.
        var changes = new object[]
        {
            new ClaimDisputed(F, "c9", "d9", "Wrong year.", null, Principal),
            new DisputeUpheld(F, "c9", "d9", "editor", null),
            new ClaimEndorsed(F, "c5", "checker-c", null),
            new ClaimRetracted(F, "c1", "editor", "Misread."),
            new ClaimCorrected(F, "c6", Q("45", "percent", QuantityApprox.About), Q("47", "percent"), "editor", "Misread."),
            Claim(F, "c10", "s6", Q("20", "percent"), Between(null, "2008")),
        };
        var previous = afterClaim;
        foreach (var change in changes)
        {
            recorded = Fact.Evolve(recorded, change);
            var next = Reconciler.Stretches(recorded, Weights, previous);
            Assert.Equal(Describe(Reconciler.Stretches(recorded, Weights)), Describe(next.All));
            previous = next;
        }

        // A source's standing moved: the stretches it speaks in are reconciled with its new weight.
        var reweighed = Reliabilities(
            ("s1", "Xinhua", 0.8), ("s2", "TASS", 0.6), ("s3", "UN", 0.2), ("s4", "Blog", 0.3), ("s5", "World Bank", 0.85), ("s6", "Daily", 0.5));
        Assert.Equal(Describe(Reconciler.Stretches(recorded, reweighed)), Describe(Reconciler.Stretches(recorded, reweighed, previous).All));
    }

    private static string Describe(IEnumerable<AnswerStretch> stretches) =>
        string.Join("\n", stretches.Select(s => $"{s.From}..{s.To} {s.Day} {Describe(s.Result)}"));

    private static IEnumerable<DateOnly> Days()
    {
        for (var day = new DateOnly(1994, 1, 1); day < new DateOnly(2032, 1, 1); day = day.AddDays(37))
            yield return day;
        foreach (var year in new[] { 2005, 2006, 2009, 2010, 2011, 2012, 2015, 2016, 2017, 2018, 2019, 2020 })
        {
            yield return new DateOnly(year, 1, 1).AddDays(-1);
            yield return new DateOnly(year, 1, 1);
        }
        yield return new DateOnly(2010, 5, 31);
        yield return new DateOnly(2010, 6, 1);
    }

    private static string Describe(FactReconciliation r) => string.Join(" | ",
        r.ValidAt, r.ReferenceDate, r.Verdict, r.Value?.Display, r.Value?.Key, r.Value?.Interval, r.Confidence,
        string.Join(",", r.SupportingClaimIds), string.Join(",", r.ConflictingClaimIds), string.Join(",", r.ExcludedClaimIds),
        r.CarriedForwardFrom, string.Join(";", r.Clusters.Select(c => $"{c.Value.Display}/{string.Join(",", c.ClaimIds)}/{string.Join(",", c.Publishers)}/{c.Weight}")),
        string.Join(",", r.ReliabilitiesUsed), r.Explanation);
}

using SCOFacts.Domain.Trust;
using SCOFacts.Domain.Values;

namespace SCOFacts.Domain.Tests.Trust;

public class TrustEstimatorTests
{
    private static TrustClaim Key(string id, string obj, string source, string key, string? voice = null, bool disputed = false) =>
        new(id, obj, source, voice ?? source, TrustValue.Category(key), disputed);

    private static TrustClaim Num(string id, string obj, string source, double lower, double upper, string? voice = null) =>
        new(id, obj, source, voice ?? source, TrustValue.Numeric(Interval.Closed(lower, upper)));

    private static TrustValue? Winner(TrustEstimate estimate, string obj) => estimate.Object(obj)!.Value;

    [Fact]
    public void A_reliable_minority_beats_an_unreliable_majority_once_reliability_is_learned_elsewhere()
    {
        var contested = new List<TrustClaim>
        {
            Key("q-g", "contested", "good", "right"),
            Key("q-b1", "contested", "bad-1", "wrong"),
            Key("q-b2", "contested", "bad-2", "wrong"),
            Key("q-b3", "contested", "bad-3", "wrong"),
        };

        // Elsewhere, "good" agrees with independent sources and each "bad" source goes its own wrong way.
        var history = new List<TrustClaim>();
        for (var i = 0; i < 6; i++)
        {
            var obj = $"history-{i}";
            history.Add(Key($"h{i}-g", obj, "good", "truth"));
            history.Add(Key($"h{i}-x", obj, $"witness-x-{i}", "truth"));
            history.Add(Key($"h{i}-y", obj, $"witness-y-{i}", "truth"));
            for (var b = 1; b <= 3; b++) history.Add(Key($"h{i}-b{b}", obj, $"bad-{b}", $"error-{b}-{i}"));
        }

        var alone = TrustEstimator.Estimate(contested);
        var learned = TrustEstimator.Estimate(contested.Concat(history));

        Assert.Equal(TrustValue.Category("wrong"), Winner(alone, "contested"));
        Assert.Equal(TrustValue.Category("right"), Winner(learned, "contested"));
        Assert.True(learned.ReliabilityOf("good") > 0.8, $"good: {learned.ReliabilityOf("good")}");
        Assert.True(learned.ReliabilityOf("bad-1") < 0.3, $"bad-1: {learned.ReliabilityOf("bad-1")}");
        Assert.True(learned.Converged);
    }

    [Fact]
    public void A_copied_false_value_does_not_win_by_numbers_alone()
    {
        var claims = new List<TrustClaim>();
        var bots = new[] { "bot-1", "bot-2", "bot-3", "bot-4" };
        for (var i = 0; i < 8; i++)
        {
            var obj = $"o{i}";
            // The bots copy one sloppy original: wrong on most objects, always identical.
            var botValue = i < 2 ? "truth" : $"copied-error-{i}";
            foreach (var bot in bots) claims.Add(Key($"{obj}-{bot}", obj, bot, botValue));
            claims.Add(Key($"{obj}-i1", obj, $"independent-a-{i}", "truth"));
            claims.Add(Key($"{obj}-i2", obj, $"independent-b-{i}", "truth"));
        }

        var naive = TrustEstimator.Estimate(claims, options: new TrustOptions { DetectCopying = false });
        var estimate = TrustEstimator.Estimate(claims);

        Assert.Equal(TrustValue.Category("copied-error-5"), Winner(naive, "o5"));
        for (var i = 0; i < 8; i++) Assert.Equal(TrustValue.Category("truth"), Winner(estimate, $"o{i}"));
        Assert.All(bots, bot => Assert.Equal("bot-1", estimate.Source(bot)!.CopyGroup));
        Assert.Null(estimate.Source("independent-a-3")!.CopyGroup);
        Assert.True(estimate.ReliabilityOf("bot-2") < estimate.ReliabilityOf("independent-a-3"));
    }

    [Fact]
    public void Without_warm_copy_groups_a_warm_start_forgets_copying_the_claims_no_longer_show()
    {
        var bots = new[] { "bot-1", "bot-2", "bot-3", "bot-4" };
        var claims = new List<TrustClaim>();
        for (var i = 0; i < 8; i++)
        {
            var obj = $"o{i}";
            var botValue = i < 2 ? "truth" : $"copied-error-{i}";
            foreach (var bot in bots) claims.Add(Key($"{obj}-{bot}", obj, bot, botValue));
            claims.Add(Key($"{obj}-i1", obj, $"independent-a-{i}", "truth"));
            claims.Add(Key($"{obj}-i2", obj, $"independent-b-{i}", "truth"));
        }

        var previous = TrustEstimator.Estimate(claims);
        // The copied errors are retracted: what is left is no evidence of copying.
        var remaining = claims.Where(c => c.ObjectId is "o0" or "o1").ToList();
        var cold = TrustEstimator.Estimate(remaining);
        var sticky = TrustEstimator.Estimate(remaining, previous: previous);
        var fresh = TrustEstimator.Estimate(remaining, options: new TrustOptions { WarmStartCopyGroups = false }, previous: previous);

        Assert.Equal("bot-1", previous.Source("bot-2")!.CopyGroup);
        Assert.Equal("bot-1", sticky.Source("bot-2")!.CopyGroup);
        Assert.All(bots, bot => Assert.Null(fresh.Source(bot)!.CopyGroup));
        foreach (var source in cold.Sources)
        {
            Assert.Equal(source.CopyGroup, fresh.Source(source.SourceId)!.CopyGroup);
            Assert.Equal(source.Reliability, fresh.ReliabilityOf(source.SourceId), 4);
        }
    }

    [Fact]
    public void Sources_agreeing_on_the_truth_are_not_taken_for_copiers()
    {
        var claims = new List<TrustClaim>();
        for (var i = 0; i < 8; i++)
        {
            var obj = $"o{i}";
            claims.Add(Key($"{obj}-a", obj, "careful-a", "truth"));
            claims.Add(Key($"{obj}-b", obj, "careful-b", "truth"));
            claims.Add(Key($"{obj}-c", obj, $"witness-{i}", "truth"));
        }

        var estimate = TrustEstimator.Estimate(claims);

        Assert.Null(estimate.Source("careful-a")!.CopyGroup);
        Assert.Null(estimate.Source("careful-b")!.CopyGroup);
    }

    [Fact]
    public void Sources_of_one_voice_count_once()
    {
        var claims = new List<TrustClaim>
        {
            Key("p1", "o", "outlet-article-1", "x", voice: "outlet"),
            Key("p2", "o", "outlet-article-2", "x", voice: "outlet"),
            Key("p3", "o", "outlet-article-3", "x", voice: "outlet"),
            Key("a", "o", "agency", "y"),
            Key("b", "o", "journal", "y"),
        };
        var separate = claims.Select(c => c with { Voice = c.SourceId }).ToList();

        Assert.Equal(TrustValue.Category("x"), Winner(TrustEstimator.Estimate(separate), "o"));
        Assert.Equal(TrustValue.Category("y"), Winner(TrustEstimator.Estimate(claims), "o"));
    }

    [Fact]
    public void An_absurd_outlier_does_not_move_a_numeric_consensus()
    {
        var consensus = new List<TrustClaim>
        {
            Num("a", "share", "a", 43.5, 44.5),
            Num("b", "share", "b", 43.5, 44.5),
            Num("c", "share", "c", 40, 50),
            Num("d", "share", "d", 44.15, 44.25),
        };
        var vandalised = consensus.Append(Num("v", "share", "vandal", 43_999_999.5, 44_000_000.5)).ToList();

        var before = TrustEstimator.Estimate(consensus);
        var after = TrustEstimator.Estimate(vandalised);

        Assert.Equal(TrustValue.Numeric(Interval.Closed(43.5, 44.5)), Winner(before, "share"));
        Assert.Equal(Winner(before, "share"), Winner(after, "share"));
        Assert.True(after.Claim("v")!.Probability < 0.05, $"vandal claim: {after.Claim("v")!.Probability}");
        Assert.Equal(before.Object("share")!.Confidence, after.Object("share")!.Confidence, 2);
        Assert.Equal(4, after.Object("share")!.SupportingClaims);
    }

    [Fact]
    public void Overlapping_intervals_support_each_other()
    {
        var claims = new List<TrustClaim>
        {
            Num("precise", "o", "a", 44.15, 44.25),
            Num("rounded", "o", "b", 43.5, 44.5),
            Num("other-1", "o", "c", 51.5, 52.5),
        };

        var estimate = TrustEstimator.Estimate(claims);

        Assert.Equal(TrustValue.Numeric(Interval.Closed(43.5, 44.5)), Winner(estimate, "o"));
        Assert.True(estimate.Claim("rounded")!.Probability > 0.9, $"rounded: {estimate.Claim("rounded")!.Probability}");
        Assert.True(estimate.Claim("precise")!.Probability > estimate.Claim("other-1")!.Probability);
    }

    [Fact]
    public void A_precise_value_wins_when_other_voices_back_it_and_not_on_its_own_word()
    {
        var alone = new List<TrustClaim>
        {
            Num("precise-1", "o", "a", 44.15, 44.25),
            Num("rounded", "o", "b", 43.5, 44.5),
            Num("rounder", "o", "c", 40, 50),
        };
        var backed = alone.Append(Num("precise-2", "o", "d", 44.15, 44.25)).ToList();

        Assert.Equal(TrustValue.Numeric(Interval.Closed(43.5, 44.5)), Winner(TrustEstimator.Estimate(alone), "o"));
        Assert.Equal(TrustValue.Numeric(Interval.Closed(44.15, 44.25)), Winner(TrustEstimator.Estimate(backed), "o"));
    }

    [Fact]
    public void Numeric_closeness_counts_for_values_that_just_miss_each_other()
    {
        var claims = new List<TrustClaim>
        {
            Num("lone", "o", "a", 19.95, 20.05),
            Num("near-1", "o", "b", 30.95, 31.05),
            Num("near-2", "o", "c", 31.15, 31.25),
        };

        var strict = TrustEstimator.Estimate(claims, options: new TrustOptions { NearMissCredit = 0 });
        var lenient = TrustEstimator.Estimate(claims);

        Assert.Equal(TrustValue.Numeric(Interval.Closed(19.95, 20.05)), Winner(strict, "o"));
        var winner = Winner(lenient, "o")!.Value;
        Assert.True(winner.Interval.Lower > 30, $"winner {winner}");
    }

    [Fact]
    public void An_editor_prior_shifts_the_estimate_but_does_not_override_the_record()
    {
        var claims = new List<TrustClaim>();
        for (var i = 0; i < 10; i++)
        {
            var obj = $"o{i}";
            claims.Add(Key($"{obj}-s", obj, "rated", "wrong"));
            claims.Add(Key($"{obj}-a", obj, $"witness-a-{i}", "right"));
            claims.Add(Key($"{obj}-b", obj, $"witness-b-{i}", "right"));
        }

        var unrated = TrustEstimator.Estimate(claims).ReliabilityOf("rated");
        var rated = TrustEstimator.Estimate(claims, [new SourcePrior("rated", 0.95)]);

        Assert.True(rated.ReliabilityOf("rated") > unrated + 0.1, $"rated {rated.ReliabilityOf("rated")} vs unrated {unrated}");
        Assert.True(rated.ReliabilityOf("rated") < 0.95 - 0.1, $"rated {rated.ReliabilityOf("rated")}");
        Assert.Equal(TrustOrigin.LearnedWithEditorPrior, rated.Source("rated")!.Origin);
        Assert.Equal(TrustValue.Category("right"), Winner(rated, "o3"));
    }

    [Fact]
    public void A_rated_source_without_claims_keeps_its_rating()
    {
        var estimate = TrustEstimator.Estimate([Key("c", "o", "s", "x")], [new SourcePrior("silent", 0.9)]);

        var silent = estimate.Source("silent")!;
        Assert.Equal(0.9, silent.Reliability);
        Assert.Equal(0, silent.Support);
        Assert.Equal(TrustOrigin.EditorPrior, silent.Origin);
        Assert.Equal(TrustOrigin.Learned, estimate.Source("s")!.Origin);
    }

    [Fact]
    public void An_upheld_dispute_lowers_the_source_estimate_and_its_claim_loses()
    {
        var claims = new List<TrustClaim>();
        for (var i = 0; i < 4; i++)
        {
            claims.Add(Key($"o{i}-s", $"o{i}", "source", "right"));
            claims.Add(Key($"o{i}-w", $"o{i}", $"witness-{i}", "right"));
        }

        // On x the source is backed by a witness, on y it stands alone against another source.
        var contested = new List<TrustClaim>
        {
            Key("x-s", "x", "source", "claimed"),
            Key("x-w", "x", "witness-x", "claimed"),
            Key("y-s", "y", "source", "mine"),
            Key("y-o", "y", "other", "theirs"),
        };
        var undisputed = TrustEstimator.Estimate(claims.Concat(contested));
        var disputed = TrustEstimator.Estimate(claims.Concat(contested.Select(c => c.SourceId == "source" ? c with { UpheldDisputeAgainst = true } : c)));

        Assert.Equal(TrustValue.Category("mine"), Winner(undisputed, "y"));
        Assert.Equal(TrustValue.Category("theirs"), Winner(disputed, "y"));
        Assert.True(disputed.ReliabilityOf("source") < undisputed.ReliabilityOf("source") - 0.1,
            $"{disputed.ReliabilityOf("source")} vs {undisputed.ReliabilityOf("source")}");
        Assert.Equal(0, disputed.Claim("x-s")!.Probability);
        Assert.Null(disputed.Claim("x-s")!.Corroboration);
        Assert.Equal(6, disputed.Source("source")!.Support);
    }

    [Fact]
    public void Shuffled_input_gives_bit_identical_estimates()
    {
        var claims = RandomClaims(seed: 7, objects: 300, sources: 60, claims: 1500);
        var expected = Fingerprint(TrustEstimator.Estimate(claims));

        var random = new Random(11);
        for (var round = 0; round < 5; round++)
        {
            var shuffled = claims.ToArray();
            random.Shuffle(shuffled);
            Assert.Equal(expected, Fingerprint(TrustEstimator.Estimate(shuffled)));
        }
    }

    [Fact]
    public void A_warm_start_reaches_the_same_estimate_in_fewer_rounds()
    {
        var claims = RandomClaims(seed: 3, objects: 300, sources: 60, claims: 1500);
        var cold = TrustEstimator.Estimate(claims, options: new TrustOptions { DetectCopying = false });
        var warm = TrustEstimator.Estimate(claims, options: new TrustOptions { DetectCopying = false }, previous: cold);

        Assert.True(warm.Iterations < cold.Iterations, $"warm {warm.Iterations} vs cold {cold.Iterations}");
        foreach (var source in cold.Sources)
        {
            Assert.Equal(source.Reliability, warm.ReliabilityOf(source.SourceId), 4);
        }
    }

    [Fact]
    public void Duplicate_claim_ids_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => TrustEstimator.Estimate([Key("c", "o", "a", "x"), Key("c", "o", "b", "y")]));
    }

    private static List<TrustClaim> RandomClaims(int seed, int objects, int sources, int claims)
    {
        var random = new Random(seed);
        var result = new List<TrustClaim>(claims);
        var accuracy = Enumerable.Range(0, sources).Select(_ => 0.3 + (0.65 * random.NextDouble())).ToArray();
        for (var i = 0; i < claims; i++)
        {
            var obj = random.Next(objects);
            var source = random.Next(sources);
            var id = $"c{i:D5}";
            var right = random.NextDouble() < accuracy[source];
            if (obj % 3 == 0)
            {
                result.Add(Key(id, $"o{obj}", $"s{source}", right ? "truth" : $"wrong-{random.Next(3)}", voice: $"v{source / 2}"));
            }
            else
            {
                var truth = 100.0 + obj;
                var value = right ? truth : truth * (0.5 + random.NextDouble());
                var half = source % 2 == 0 ? 0.5 : 0.05;
                var rounded = Math.Round(value / (2 * half)) * 2 * half;
                result.Add(Num(id, $"o{obj}", $"s{source}", rounded - half, rounded + half, voice: $"v{source / 2}"));
            }
        }

        return result;
    }

    private static string Fingerprint(TrustEstimate estimate)
    {
        var text = new System.Text.StringBuilder();
        text.Append(estimate.Iterations).Append(estimate.Converged).AppendLine();
        foreach (var s in estimate.Sources)
            text.Append(s.SourceId).Append(BitConverter.DoubleToInt64Bits(s.Reliability)).Append(s.Support).Append(s.Origin).Append(s.CopyGroup).AppendLine();
        foreach (var c in estimate.Claims)
            text.Append(c.ClaimId).Append(BitConverter.DoubleToInt64Bits(c.Probability)).AppendLine();
        foreach (var o in estimate.Objects)
            text.Append(o.ObjectId).Append(o.Value).Append(BitConverter.DoubleToInt64Bits(o.Confidence)).Append(o.SupportingClaims).AppendLine();
        return text.ToString();
    }
}

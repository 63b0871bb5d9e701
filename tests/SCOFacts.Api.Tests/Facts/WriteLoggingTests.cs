using System.Net;
using SCOFacts.Api.Tests.Platform;
using SCOFacts.Api.Tests.TimeAndAudit;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>A caller's stale precondition is a 412 for the caller, not an error in the server's log.</summary>
public sealed class WriteLoggingTests(ErrorCapturingApiFactory factory) : IClassFixture<ErrorCapturingApiFactory>
{
    [Fact]
    public async Task Bug_every_stale_If_Match_was_logged_as_a_failed_invocation_at_error_level()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        await factory.RecordClaimAsync(fact, source);
        var errorsBefore = factory.Errors.Count;

        using var stale = await factory.Editor.PostJsonAsync($"/api/facts/{fact}/claims",
            Scenario.ClaimJson(source, quote: "stale"), ("If-Match", "\"1\""));
        await ProblemAssert.IsProblemAsync(stale, HttpStatusCode.PreconditionFailed, "concurrency-conflict");
        using var staleSource = await factory.Editor.PostJsonAsync($"/api/sources/{source}/ratings",
            """{"reliability": 0.5, "reason": "stale rating"}""", ("If-Match", "\"99\""));
        await ProblemAssert.IsProblemAsync(staleSource, HttpStatusCode.PreconditionFailed, "concurrency-conflict");

        // Only the writes' errors count here: Wolverine's node agents log on their own schedule, about other things.
        Assert.DoesNotContain(factory.Errors.Skip(errorsBefore), e => e.StartsWith("SCOFacts.", StringComparison.Ordinal)
            || e.Contains(fact, StringComparison.Ordinal) || e.Contains(source, StringComparison.Ordinal)
            || e.Contains(nameof(SCOFacts.EventStore.ConcurrencyException), StringComparison.Ordinal));
    }
}

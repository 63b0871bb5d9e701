using System.Net;
using SCOFacts.Api.Tests.Platform;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>Every write endpoint refuses callers without the right role, and a refusal stores nothing.</summary>
public sealed class RoleMatrixTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    /// <summary>A write endpoint: who may call it, and a valid request for it on freshly made data.</summary>
    private sealed record WriteEndpoint(string Name, bool EditorsOnly, Func<World, (string Path, string Body)> Request);

    /// <summary>A source, a fact, a claim, and another claim with an open dispute: something for every endpoint to act on.</summary>
    private sealed record World(string SourceId, string FactId, string ClaimId, string DisputedClaimId, string DisputeId);

    private static readonly WriteEndpoint[] All =
    [
        new("register source", false, _ => ("/api/sources", Scenario.SourceJson(Scenario.Id("src"), "Xinhua"))),
        new("rate source", true, w => ($"/api/sources/{w.SourceId}/ratings", """{ "reliability": 0.9, "reason": "State news agency, accurate on dates." }""")),
        new("define fact", true, _ => ("/api/facts", Scenario.QuantityFactJson(Scenario.Id("sco.age")))),
        new("record claim", false, w => ($"/api/facts/{w.FactId}/claims", Scenario.ClaimJson(w.SourceId))),
        new("dispute claim", false, w => ($"/api/claims/{w.ClaimId}/disputes", """{ "reason": "doubtful" }""")),
        new("resolve dispute", true, w => ($"/api/claims/{w.DisputedClaimId}/disputes/{w.DisputeId}/resolution", """{ "outcome": "rejected", "note": "stands" }""")),
        new("endorse claim", false, w => ($"/api/claims/{w.ClaimId}/endorsements", """{ "note": "checked against the original" }""")),
        new("retract claim", true, w => ($"/api/claims/{w.ClaimId}/retraction", """{ "reason": "recorded from the wrong article" }""")),
        new("correct claim", true, w => ($"/api/claims/{w.ClaimId}/corrections", $$"""{ "value": {{Scenario.AboutTenYears}}, "reason": "misread" }""")),
    ];

    public static TheoryData<string> Endpoints { get; } = [.. All.Select(e => e.Name)];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Anonymous_callers_get_401_and_nothing_is_stored(string name)
    {
        var endpoint = All.Single(e => e.Name == name);
        var (path, body) = endpoint.Request(await WorldAsync());
        var before = await factory.CountEventsAsync();

        using var anonymous = await factory.Anonymous.PostJsonAsync(path, body);
        using var unknownKey = await factory.Anonymous.PostJsonAsync(path, body, ("X-Api-Key", "sco_not-a-real-key"));

        await ProblemAssert.IsProblemAsync(anonymous, HttpStatusCode.Unauthorized, "unauthorized");
        await ProblemAssert.IsProblemAsync(unknownKey, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Roles_without_the_right_get_403_and_nothing_is_stored_while_the_right_role_succeeds(string name)
    {
        var endpoint = All.Single(e => e.Name == name);
        var (path, body) = endpoint.Request(await WorldAsync());
        var before = await factory.CountEventsAsync();

        using var auditor = await factory.Auditor.PostJsonAsync(path, body);
        await ProblemAssert.IsProblemAsync(auditor, HttpStatusCode.Forbidden, "forbidden");
        if (endpoint.EditorsOnly)
        {
            using var checker = await factory.Checker.PostJsonAsync(path, body);
            await ProblemAssert.IsProblemAsync(checker, HttpStatusCode.Forbidden, "forbidden");
        }
        Assert.Equal(before, await factory.CountEventsAsync());

        // The same request from a role that may make it goes through, so the refusals above were about the role alone.
        using var allowed = await (endpoint.EditorsOnly ? factory.Editor : factory.Checker).PostJsonAsync(path, body);
        Assert.True(allowed.IsSuccessStatusCode, $"{(int)allowed.StatusCode}: {await allowed.Content.ReadAsStringAsync()}");
        Assert.Equal(before + 1, await factory.CountEventsAsync());
    }

    private async Task<World> WorldAsync()
    {
        var source = await factory.RegisterSourceAsync("Xinhua");
        var fact = await factory.DefineQuantityFactAsync();
        var claim = await factory.RecordClaimAsync(fact, source);
        var disputed = await factory.RecordClaimAsync(fact, source, Scenario.AboutTenYears);
        var dispute = await factory.DisputeAsync(disputed);
        return new World(source, fact, claim, disputed, dispute);
    }
}

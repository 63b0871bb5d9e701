using System.Net;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Tests.Platform;

public sealed class PreconditionsTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private async Task<HttpResponseMessage> PostAsync(string? ifMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/test/versioned");
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await factory.Checker.SendAsync(request);
    }

    [Fact]
    public async Task The_current_version_passes_and_the_new_ETag_is_set()
    {
        using var response = await PostAsync("\"7\"");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"8\"", response.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task No_If_Match_means_no_expectation()
    {
        using var response = await PostAsync(null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_stale_version_is_412_concurrency_conflict()
    {
        using var response = await PostAsync("\"6\"");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.PreconditionFailed, "concurrency-conflict");
        Assert.Equal(6, problem.GetProperty("expectedVersion").GetInt64());
        Assert.Equal(7, problem.GetProperty("currentVersion").GetInt64());
    }

    [Theory]
    [InlineData("7")]
    [InlineData("W/\"7\"")]
    [InlineData("\"seven\"")]
    [InlineData("\"7\", \"8\"")]
    [InlineData("\"-1\"")]
    public async Task A_malformed_If_Match_is_400_problem(string ifMatch)
    {
        using var response = await PostAsync(ifMatch);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed-request");
    }

    [Theory]
    [InlineData("\"0\"", 0L)]
    [InlineData(" \"42\" ", 42L)]
    [InlineData("*", null)]
    public void Parse_accepts_one_strong_version_or_a_wildcard(string header, long? expected)
    {
        Assert.Null(Preconditions.ParseIfMatch(header, out var version));
        Assert.Equal(expected, version);
    }

    [Fact]
    public void ETags_are_quoted_versions()
    {
        Assert.Equal("\"12\"", Preconditions.ETagFor(12));
        Assert.Equal(SCOFacts.EventStore.ExpectedVersion.Exact(3), ((long?)3).ToExpectedVersion());
        Assert.Equal(SCOFacts.EventStore.ExpectedVersion.Any, ((long?)null).ToExpectedVersion());
    }
}

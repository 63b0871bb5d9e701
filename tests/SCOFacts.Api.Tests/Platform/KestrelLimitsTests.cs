using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace SCOFacts.Api.Tests.Platform;

/// <summary>The app on a real Kestrel server, whose own limits would otherwise answer before any middleware runs.</summary>
public sealed class KestrelApiFactory : ApiFactory
{
    public KestrelApiFactory() => UseKestrel(0);

    /// <summary>A client for the address Kestrel listens on.</summary>
    public HttpClient CreateNetworkClient()
    {
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address) };
    }
}

/// <summary>
/// On Kestrel, a request target or headers over the API's limits get problems, not Kestrel's empty 414 and 431:
/// Kestrel's own limits sit above the API's.
/// </summary>
public sealed class KestrelLimitsTests(KestrelApiFactory factory) : IClassFixture<KestrelApiFactory>
{
    [Fact]
    public async Task A_long_target_gets_a_414_problem_from_the_real_server()
    {
        using var client = factory.CreateNetworkClient();
        using var response = await client.GetAsync("/api/facts?subject=" + new string('a', 20_000));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestUriTooLong, "uri-too-long");
    }

    [Fact]
    public async Task Large_headers_get_a_431_problem_from_the_real_server()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/facts");
        request.Headers.TryAddWithoutValidation("X-Padding", new string('a', 60_000));
        using var client = factory.CreateNetworkClient();
        using var response = await client.SendAsync(request);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestHeaderFieldsTooLarge, "headers-too-large");
    }
}

using System.Net;
using System.Net.Http.Json;
using SCOFacts.Api.Cli;

namespace SCOFacts.Api.Tests.Platform;

public sealed class CliTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private Task<(int? ExitCode, string Out, string Error)> RunAsync(params string[] args) =>
        CliRun.AgainstAsync(factory.Database.ConnectionString, args);

    [Fact]
    public async Task Keys_create_prints_a_key_that_works_and_list_and_revoke_manage_it()
    {
        var (exitCode, output, error) = await RunAsync("keys", "create", "--role", "editor", "--name", "made-by-cli");

        Assert.True(exitCode == 0, error);
        var key = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("sco_", StringComparison.Ordinal));
        using var client = factory.CreateClientWithKey(key);
        using var response = await client.PostAsJsonAsync("/test/editor-writes", new TestWrite("cli"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("editor:made-by-cli", (await response.Content.ReadFromJsonAsync<TestWritten>())!.Principal);

        var list = await RunAsync("keys", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("made-by-cli", list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(key, list.Out, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("keys", "revoke", "made-by-cli")).ExitCode);
        Assert.Equal(1, (await RunAsync("keys", "revoke", "made-by-cli")).ExitCode);
    }

    [Fact]
    public async Task Usage_errors_exit_with_2()
    {
        var (exitCode, _, error) = await RunAsync("keys", "create", "--role", "janitor", "--name", "x");

        Assert.Equal(2, exitCode);
        Assert.Contains("janitor", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Arguments_that_are_not_a_verb_start_the_web_host()
    {
        Assert.Null(await CliVerbs.TryRunAsync([]));
        Assert.Null(await CliVerbs.TryRunAsync(["--urls", "http://127.0.0.1:0"]));
    }
}

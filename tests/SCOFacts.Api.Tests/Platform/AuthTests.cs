using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Tests.Platform;

public sealed class AuthTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static readonly TestWrite Write = new("auth");

    [Fact]
    public async Task Anonymous_write_is_401_problem_with_a_challenge()
    {
        using var response = await factory.Anonymous.PostAsJsonAsync("/test/writes", Write);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task Unknown_key_is_401()
    {
        using var client = factory.CreateClientWithKey("sco_not-a-key");
        using var response = await client.PostAsJsonAsync("/test/writes", Write);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains("unknown or revoked", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Roles_without_the_policy_get_403_problem()
    {
        using var checker = await factory.Checker.PostAsJsonAsync("/test/editor-writes", Write);
        using var auditor = await factory.Auditor.PostAsJsonAsync("/test/writes", Write);

        await ProblemAssert.IsProblemAsync(checker, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblemAsync(auditor, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Allowed_roles_write_and_are_recorded_as_role_and_name()
    {
        using var checker = await factory.Checker.PostAsJsonAsync("/test/writes", Write);
        using var editor = await factory.Editor.PostAsJsonAsync("/test/editor-writes", Write);

        Assert.Equal(HttpStatusCode.Created, checker.StatusCode);
        Assert.Equal(HttpStatusCode.Created, editor.StatusCode);
        Assert.Equal("checker:test-checker", (await checker.Content.ReadFromJsonAsync<TestWritten>())!.Principal);
        Assert.Equal("editor:test-editor", (await editor.Content.ReadFromJsonAsync<TestWritten>())!.Principal);
    }

    [Fact]
    public async Task The_key_may_come_in_the_X_Api_Key_header()
    {
        using var client = factory.CreateClientWithKey(null);
        client.DefaultRequestHeaders.Add("X-Api-Key", factory.Keys[Roles.Editor]);

        using var response = await client.PostAsJsonAsync("/test/editor-writes", Write);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Reads_stay_anonymous()
    {
        using var response = await factory.Anonymous.GetAsync("/problems/not-found");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_is_rejected_even_after_it_was_cached()
    {
        var key = await factory.CreateKeyAsync(Roles.Checker, "to-revoke");
        using var client = factory.CreateClientWithKey(key);
        using var before = await client.PostAsJsonAsync("/test/writes", Write);
        Assert.Equal(HttpStatusCode.Created, before.StatusCode);

        Assert.True(await factory.Services.GetRequiredService<ApiKeyStore>().RevokeAsync("to-revoke"));
        using var after = await client.PostAsJsonAsync("/test/writes", Write);

        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Keys_are_stored_hashed()
    {
        await using var command = factory.DataSource.CreateCommand("select count(*) from api_keys where key_hash = $1");
        command.Parameters.Add(new() { Value = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(factory.Keys[Roles.Editor])) });
        Assert.Equal(1L, await command.ExecuteScalarAsync());

        await using var plain = factory.DataSource.CreateCommand("select count(*) from api_keys where position(convert_to($1, 'UTF8') in key_hash) > 0");
        plain.Parameters.Add(new() { Value = factory.Keys[Roles.Editor][4..20] });
        Assert.Equal(0L, await plain.ExecuteScalarAsync());
    }
}

/// <summary>The platform as a fresh installation starts: bootstrap key on.</summary>
public sealed class FreshInstallFactory : PlatformFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Bootstrap:CreateEditorKey"] = "true";
    }
}

public sealed class BootstrapKeyTests(FreshInstallFactory factory) : IClassFixture<FreshInstallFactory>
{
    [Fact]
    public async Task A_fresh_database_gets_one_editor_key_named_admin()
    {
        var keys = await factory.Services.GetRequiredService<ApiKeyStore>().ListAsync();

        var admin = Assert.Single(keys, k => k.Name == "admin");
        Assert.Equal(Roles.Editor, admin.Role);
        Assert.Null(admin.RevokedAt);
        Assert.Equal(admin.Id, keys.Min(k => k.Id));
    }
}

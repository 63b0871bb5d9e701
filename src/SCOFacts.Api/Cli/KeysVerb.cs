using System.Globalization;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Cli;

/// <summary><c>keys create --role ROLE --name NAME</c>, <c>keys list</c>, <c>keys revoke NAME</c>.</summary>
internal sealed class KeysVerb : ICliVerb
{
    public string Name => "keys";

    public string Usage => """
          keys create --role checker|editor|auditor --name NAME   create an API key and print it (once)
          keys list                                              list keys (never their secrets)
          keys revoke NAME                                       revoke the live key named NAME
        """;

    public void ConfigureServices(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<ApiKeyStore>();
    }

    public async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var store = context.Services.GetRequiredService<ApiKeyStore>();
        switch (arguments.Count > 0 ? arguments[0] : null)
        {
            case "create":
            {
                var role = CliArguments.RequiredOption(arguments, "--role");
                var name = CliArguments.RequiredOption(arguments, "--name");
                if (!Roles.IsKnown(role))
                    throw new CliUsageException($"Unknown role '{role}'.");
                CreatedApiKey created;
                try
                {
                    created = await store.CreateAsync(name, role, cancellationToken);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    await context.Error.WriteLineAsync(e.Message);
                    return CliVerbs.Failure;
                }
                await context.Out.WriteLineAsync($"Created {role} key '{name}' (principal {created.Info.PrincipalName}). It is shown only this once:");
                await context.Out.WriteLineAsync(created.Key);
                return CliVerbs.Success;
            }
            case "list":
            {
                var keys = await store.ListAsync(cancellationToken);
                await context.Out.WriteLineAsync($"{"NAME",-24} {"ROLE",-8} {"CREATED (UTC)",-20} REVOKED (UTC)");
                foreach (var key in keys)
                {
                    await context.Out.WriteLineAsync(
                        $"{key.Name,-24} {key.Role,-8} {Format(key.CreatedAt),-20} {(key.RevokedAt is { } revoked ? Format(revoked) : "-")}");
                }
                return CliVerbs.Success;
            }
            case "revoke":
            {
                if (arguments.Count != 2)
                    throw new CliUsageException("keys revoke takes the key's name.");
                if (!await store.RevokeAsync(arguments[1], cancellationToken))
                {
                    await context.Error.WriteLineAsync($"There is no live key named '{arguments[1]}'.");
                    return CliVerbs.Failure;
                }
                await context.Out.WriteLineAsync($"Revoked key '{arguments[1]}'. Other running API processes stop accepting it within their key cache time (30 s by default).");
                return CliVerbs.Success;
            }
            default:
                throw new CliUsageException("keys needs one of: create, list, revoke.");
        }
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}

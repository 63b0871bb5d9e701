using SCOFacts.Api.Cli;
using SCOFacts.Api.Platform;

// `dotnet run -- keys create ...` and the other verbs run and exit; anything else starts the web host.
if (await CliVerbs.TryRunAsync(args) is { } exitCode)
    return exitCode;

var builder = WebApplication.CreateBuilder(args);
builder.AddScoFactsPlatform();

var app = builder.Build();
app.UseScoFactsPlatform();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;

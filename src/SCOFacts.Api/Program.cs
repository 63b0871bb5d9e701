using SCOFacts.Api.Application;
using SCOFacts.Api.Cli;
using SCOFacts.Api.Platform;

// `dotnet run -- keys create ...` and the other verbs run and exit; anything else starts the web host.
FactsVerbs.Register();
if (await CliVerbs.TryRunAsync(args) is { } exitCode)
    return exitCode;

var builder = WebApplication.CreateBuilder(args);
builder.AddScoFactsPlatform();
builder.AddScoFactsFacts();

var app = builder.Build();
app.UseScoFactsPlatform();
app.MapScoFactsApi();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;

using SCOFacts.Api.Application;
using SCOFacts.Api.Cli;
using SCOFacts.Api.Desk;
using SCOFacts.Api.Ledger;
using SCOFacts.Api.Platform;

// `dotnet run -- keys create ...` and the other verbs run and exit; anything else starts the web host.
FactsVerbs.Register();
if (await CliVerbs.TryRunAsync(args) is { } exitCode)
    return exitCode;

// Settings files live next to the application, wherever it is started from; relative paths
// in settings (the data folder) still mean the folder it was started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
    EnvironmentName = HostEnvironmentDefault.For(typeof(Program).Assembly, args, Environment.GetEnvironmentVariable),
});
builder.AddScoFactsPlatform();
builder.AddScoFactsFacts();
builder.AddScoFactsLedger();
builder.AddDesk();

var app = builder.Build();
app.UseScoFactsPlatform();
app.MapScoFactsApi();
app.MapLedgerApi();
app.MapDesk();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;

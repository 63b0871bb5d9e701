var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/health/live", () => TypedResults.Ok());
app.Run();

/// <summary>The entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;

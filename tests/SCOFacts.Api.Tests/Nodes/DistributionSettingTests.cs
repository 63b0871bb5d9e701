using Microsoft.Extensions.Configuration;
using SCOFacts.Api.Storage;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Nodes;

/// <summary><c>Nodes:Distribution</c>: a mode's name or nothing; anything else stops the node before it takes any work.</summary>
public sealed class DistributionSettingTests
{
    private static IConfiguration With(string? value) => new ConfigurationBuilder()
        .AddInMemoryCollection(value is null ? [] : [new KeyValuePair<string, string?>("Nodes:Distribution", value)])
        .Build();

    [Theory]
    [InlineData(null, NodeDistribution.HotCold)]
    [InlineData("", NodeDistribution.HotCold)]
    [InlineData("HotCold", NodeDistribution.HotCold)]
    [InlineData("wolverine", NodeDistribution.Wolverine)]
    [InlineData(" Wolverine ", NodeDistribution.Wolverine)]
    public void A_mode_s_name_in_any_case_or_nothing_is_read(string? value, NodeDistribution expected) =>
        Assert.Equal(expected, NodeOptions.ReadDistribution(With(value)));

    [Theory]
    [InlineData("Wolverin")]
    [InlineData("1")]
    [InlineData("HotCold,Wolverine")]
    public void Anything_else_is_refused_with_the_setting_and_the_modes_named(string value)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => NodeOptions.ReadDistribution(With(value)));
        Assert.Contains($"Nodes:Distribution is '{value}'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("HotCold, Wolverine", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_given_an_unknown_mode_does_not_start_and_says_why()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Bootstrap:CreateEditorKey"] = "false",
            ["Seeds:LoadOnStart"] = "false",
            ["Nodes:Distribution"] = "Sideways",
        };
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => ApiProcess.StartAsync("node-bad", database.ConnectionString, settings, TimeSpan.FromSeconds(90)));
        Assert.Contains("exited with", failed.Message, StringComparison.Ordinal);
        Assert.Contains("The setting Nodes:Distribution is 'Sideways'; it must be one of HotCold, Wolverine.", failed.Message, StringComparison.Ordinal);
    }
}

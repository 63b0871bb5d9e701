using System.Text;
using Marten;
using Npgsql;
using SCOFacts.Testing;

namespace SCOFacts.Ledger.Tests;

/// <summary>
/// The sealer renders an event's metadata object from its columns instead of asking the server to build it; the text
/// must be the server's own, character for character, or leaves would seal other bytes than the audit reads.
/// </summary>
[Collection(MartenCollection.Name)]
public sealed class MetadataRenderingTests
{
    // Every character escape_json treats specially, the rest of the control characters, and characters it passes on.
    private static readonly string Awkward =
        "q\"b\\s/\b\f\n\r\t" + new string(Enumerable.Range(1, 31).Select(c => (char)c).ToArray()) + "\u007f é 中 \U0001F600 \u2028 end";

    public static TheoryData<string?, string?, string?, string?, string?, string?> Columns => new()
    {
        { "*DEFAULT*", "SCOFacts.Domain.ClaimRecorded, SCOFacts.Domain", "editor:ada", "corr-1", "cause-1", """{"reason": "a fix", "idempotencyKey": "k-1"}""" },
        { null, null, null, null, null, null },
        { "", "", "", "", "", "{}" },
        { Awkward, "type \"quoted\"", "user\\name", "line\nbreak", "tab\tand\u0001", """{"a\u0001\"": ["x\n", 1.50, null, true, {"nested": "中"}], "": ""}""" },
        { "*DEFAULT*", null, "checker", null, "cause", "null" },
    };

    [Theory]
    [MemberData(nameof(Columns))]
    public async Task The_metadata_object_is_rendered_as_the_server_renders_it(
        string? tenantId, string? dotnetType, string? userName, string? correlationId, string? causationId, string? headers)
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        await using var command = database.DataSource.CreateCommand(
            """
            SELECT jsonb_build_object('tenantId', $1::varchar, 'dotnetType', $2::varchar, 'userName', $3::varchar,
                                      'correlationId', $4::varchar, 'causationId', $5::varchar, 'headers', $6::jsonb)::text,
                   $6::jsonb::text
            """);
        foreach (var value in new[] { tenantId, dotnetType, userName, correlationId, causationId, headers })
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var server = reader.GetString(0);
        var storedHeaders = reader.IsDBNull(1) ? null : reader.GetString(1);

        var rendered = EventMetadataJson.Render(tenantId, dotnetType, userName, correlationId, causationId, storedHeaders);

        Assert.Equal(server, rendered);
        Assert.Equal(Encoding.UTF8.GetBytes(server), Encoding.UTF8.GetBytes(rendered));
    }

    [Fact]
    public async Task Events_with_awkward_metadata_are_sealed_with_the_bytes_the_audit_reads_from_the_server()
    {
        await using var ledger = await MartenLedger.CreateAsync();
        await using var store = ledger.CreateStore(batchSize: 3);
        await using (var session = store.LightweightSession())
        {
            session.CorrelationId = Awkward;
            session.CausationId = "cause \"quoted\"\t";
            session.LastModifiedBy = "user\\name\n中";
            session.SetHeader("reason", Awkward);
            session.SetHeader("k\u0002\"", "\U0001F600");
            session.Events.Append("fact-awkward", new ClaimNoted("a", 1), new ClaimNoted("b\u0001\"", 2));
            await session.SaveChangesAsync();
        }
        await MartenLedger.AppendAsync(store, "fact-plain", 5);

        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await ledger.WaitUntilSealedAsync(TimeSpan.FromSeconds(60));

        var report = await ledger.AuditAsync();
        Assert.True(report.IsValid, SourceTable.Describe(report.Findings));
        Assert.Equal(7, (await ledger.Reader.GetTreeHeadAsync()).TreeSize);
        var first = await ledger.Events.ReadAllAsync().FirstAsync();
        Assert.Contains("\\u0001", first.Metadata, StringComparison.Ordinal);
    }
}

using Npgsql;
using NpgsqlTypes;
using SCOFacts.EventStore.Migrations;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests.Migrations;

/// <summary>
/// 0005 replaced append_events and event_hash, and 0006 added append_event, on databases that
/// already hold events: what the old functions wrote must still verify, and the chains they
/// started must go on through both functions.
/// </summary>
public sealed class AppendUpgradeTests
{
    private const string FirstReplacement = "0005_cheaper_appends.sql";

    [Fact]
    public async Task Events_written_before_the_append_functions_were_replaced_verify_after_and_their_chains_continue()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var before = new MigrationFolder();
        foreach (var file in Directory.GetFiles(TestDatabase.MigrationsDirectory, "*.sql"))
        {
            var name = Path.GetFileName(file);
            if (string.CompareOrdinal(name, FirstReplacement) < 0) before.Write(name, File.ReadAllText(file));
        }
        await new MigrationRunner(database.DataSource, before.Path).ApplyAsync();
        Assert.Equal(0, await TestStores.ScalarAsync(database.DataSource, "SELECT count(*) FROM pg_proc WHERE proname = 'event_hash' AND prosrc LIKE '%concat_ws%'"));
        Assert.Equal(0, await TestStores.ScalarAsync(database.DataSource, "SELECT count(*) FROM pg_proc WHERE proname = 'append_event'"));

        // Written as the store did then: every append through append_events.
        var store = TestStores.Create(database.DataSource);
        await AppendThroughOldFunctionAsync(store, "upgrade-1", ExpectedVersion.NoStream, [new Counted(1), new Counted(2)], null);
        await AppendThroughOldFunctionAsync(store, "upgrade-2", ExpectedVersion.NoStream, [new Counted(3)], "k");
        var digestBefore = (await store.VerifyAsync()).Current;

        var applied = await new MigrationRunner(database.DataSource, TestDatabase.MigrationsDirectory).ApplyAsync();
        Assert.Contains(FirstReplacement, applied.Select(m => m.FileName));
        Assert.Contains("0006_single_event_append.sql", applied.Select(m => m.FileName));

        await store.AppendAsync("upgrade-1", ExpectedVersion.Exact(2), [new Counted(4)], TestStores.Who());
        await store.AppendAsync("upgrade-2", ExpectedVersion.Exact(1), [new Counted(5), new Counted(6)], TestStores.Who());
        await store.AppendAsync("upgrade-3", ExpectedVersion.NoStream, [new Counted(7)], TestStores.Who());
        // A key stored by the old function still answers a retry, now through append_event.
        var retry = await store.AppendAsync("upgrade-2", ExpectedVersion.Any, [new Counted(99)], TestStores.Who(idempotencyKey: "k"));

        Assert.True(retry.Duplicate);
        Assert.Equal([(1L, 3)], retry.Events.Select(e => (e.StreamVersion, ((Counted)e.Data).N)));
        var result = await store.VerifyAsync(digestBefore);
        Assert.True(result.IsValid, string.Join("; ", result.Breaks));
        Assert.True(result.ExtendsDigest);
        Assert.Equal(7, result.EventsChecked);
        Assert.Equal(3, result.StreamsChecked);
    }

    private static async Task AppendThroughOldFunctionAsync(EventStore store, string streamId, ExpectedVersion expected, IReadOnlyList<object> events, string? key)
    {
        var metadata = store.Types.SerializeMetadata(TestStores.Who(idempotencyKey: key));
        await using var command = store.DataSource.CreateCommand("SELECT count(*) FROM append_events($1, $2, $3, $4, $5, $6, $7)");
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        command.Parameters.Add(new NpgsqlParameter { Value = EventStore.StreamTypeOf(streamId) });
        command.Parameters.Add(new NpgsqlParameter { Value = expected.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => store.Types.NameOf(e.GetType())).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(store.Types.Serialize).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = events.Select(_ => metadata).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)key ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        Assert.Equal((long)events.Count, await command.ExecuteScalarAsync());
    }
}

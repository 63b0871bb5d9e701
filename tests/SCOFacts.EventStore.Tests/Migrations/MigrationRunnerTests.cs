using System.Security.Cryptography;
using System.Text;
using Npgsql;
using SCOFacts.EventStore.Migrations;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests.Migrations;

public sealed class MigrationRunnerTests
{
    [Fact]
    public async Task Applies_files_in_number_order_and_records_their_checksums()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder()
            .Write("0010_third.sql", "insert into log (step) values ('third');")
            .Write("0002_second.sql", "insert into log (step) values ('second');")
            .Write("0001_first.sql", "create table log (id serial primary key, step text not null);\ninsert into log (step) values ('first');");

        var applied = await new MigrationRunner(database.DataSource, folder.Path).ApplyAsync();

        Assert.Equal(["0001_first.sql", "0002_second.sql", "0010_third.sql"], applied.Select(m => m.FileName));
        Assert.Equal(["first", "second", "third"], await ColumnAsync<string>(database, "select step from log order by id"));
        Assert.Equal(["0001_first.sql", "0002_second.sql", "0010_third.sql"], await ColumnAsync<string>(database, "select name from schema_migrations order by name"));
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(File.ReadAllText(Path.Combine(folder.Path, "0002_second.sql")))));
        Assert.Equal([expected], await ColumnAsync<string>(database, "select checksum from schema_migrations where name = '0002_second.sql'"));
    }

    [Fact]
    public async Task Second_run_applies_nothing_and_a_new_file_alone_later()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder()
            .Write("0001_create.sql", "create table log (step text not null);")
            .Write("0002_insert.sql", "insert into log values ('once');");
        var runner = new MigrationRunner(database.DataSource, folder.Path);
        Assert.Equal(2, (await runner.ApplyAsync()).Count);

        var again = await runner.ApplyAsync();

        Assert.Empty(again);
        Assert.Equal(["once"], await ColumnAsync<string>(database, "select step from log"));

        folder.Write("0003_more.sql", "insert into log values ('later');");
        Assert.Equal(["0003_more.sql"], (await runner.ApplyAsync()).Select(m => m.FileName));
        Assert.Equal(["later", "once"], await ColumnAsync<string>(database, "select step from log order by step"));
    }

    [Fact]
    public async Task An_edited_applied_file_is_refused_naming_the_file()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder().Write("0001_create.sql", "create table a (id int);");
        var runner = new MigrationRunner(database.DataSource, folder.Path);
        await runner.ApplyAsync();

        folder.Write("0001_create.sql", "create table a (id bigint);")
            .Write("0002_next.sql", "create table b (id int);");
        var refused = await Assert.ThrowsAsync<MigrationChecksumMismatchException>(() => runner.ApplyAsync());

        Assert.Equal("0001_create.sql", refused.FileName);
        Assert.Contains("0001_create.sql", refused.Message, StringComparison.Ordinal);
        Assert.Equal([0L], await ColumnAsync<long>(database, "select count(*) from pg_tables where tablename = 'b'"));
        Assert.False(await runner.AreAllAppliedAsync());
        Assert.Equal(["0001_create.sql"], (await runner.GetStatusAsync()).Modified.Select(m => m.FileName));
    }

    [Fact]
    public async Task A_checkout_with_crlf_line_endings_is_not_an_edit()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder().Write("0001_create.sql", "create table a (id int);\ncreate table b (id int);\n");
        var runner = new MigrationRunner(database.DataSource, folder.Path);
        await runner.ApplyAsync();

        folder.Write("0001_create.sql", "create table a (id int);\r\ncreate table b (id int);\r\n");

        Assert.Empty(await runner.ApplyAsync());
        Assert.True(await runner.AreAllAppliedAsync());
    }

    [Theory]
    [InlineData("1_create.sql")]
    [InlineData("00001_create.sql")]
    [InlineData("0001-create.sql")]
    [InlineData("0001_Create.sql")]
    [InlineData("0001_create.SQL")]
    [InlineData("0001_create.sql.bak")]
    [InlineData("create.sql")]
    public async Task A_badly_named_file_is_refused_before_anything_is_applied(string fileName)
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder()
            .Write("0001_good.sql", "create table good (id int);")
            .Write(fileName, "create table bad (id int);");

        var refused = await Assert.ThrowsAsync<InvalidMigrationFileException>(() => new MigrationRunner(database.DataSource, folder.Path).ApplyAsync());

        Assert.Equal(fileName, refused.FileName);
        Assert.Equal([0L], await ColumnAsync<long>(database, "select count(*) from pg_tables where schemaname = 'public'"));
    }

    [Fact]
    public async Task Two_files_with_one_number_are_refused()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder()
            .Write("0001_create.sql", "create table a (id int);")
            .Write("0001_other.sql", "create table b (id int);");

        var refused = await Assert.ThrowsAsync<InvalidMigrationFileException>(() => new MigrationRunner(database.DataSource, folder.Path).ApplyAsync());

        Assert.Contains("0001_create.sql", refused.Message, StringComparison.Ordinal);
        Assert.Contains("0001_other.sql", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renaming_an_applied_file_is_refused()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder().Write("0001_create.sql", "create table a (id int);");
        var runner = new MigrationRunner(database.DataSource, folder.Path);
        await runner.ApplyAsync();

        File.Move(Path.Combine(folder.Path, "0001_create.sql"), Path.Combine(folder.Path, "0001_create_a.sql"));

        var refused = await Assert.ThrowsAsync<InvalidMigrationFileException>(() => runner.ApplyAsync());
        Assert.Equal("0001_create_a.sql", refused.FileName);
    }

    [Fact]
    public async Task A_failing_migration_rolls_back_alone_and_earlier_ones_stay_recorded()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder()
            .Write("0001_ok.sql", "create table first (id int);")
            .Write("0002_fails.sql", "create table second (id int);\nselect 1 / 0;")
            .Write("0003_after.sql", "create table third (id int);");
        var runner = new MigrationRunner(database.DataSource, folder.Path);

        var failed = await Assert.ThrowsAsync<MigrationFailedException>(() => runner.ApplyAsync());

        Assert.Equal("0002_fails.sql", failed.FileName);
        Assert.IsType<PostgresException>(failed.InnerException);
        Assert.Equal(["0001_ok.sql"], await ColumnAsync<string>(database, "select name from schema_migrations"));
        Assert.Equal(["first"], await ColumnAsync<string>(database, "select tablename::text from pg_tables where schemaname = 'public' and tablename <> 'schema_migrations'"));
        Assert.Equal([0L], await ColumnAsync<long>(database, "select count(*) from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())"));

        folder.Write("0002_fails.sql", "create table second (id int);");
        Assert.Equal(["0002_fails.sql", "0003_after.sql"], (await runner.ApplyAsync()).Select(m => m.FileName));
    }

    [Fact]
    public async Task Concurrent_runners_apply_each_file_exactly_once()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        // No IF NOT EXISTS: a second application fails loudly. The pause keeps the first runner busy while the second arrives.
        using var folder = new MigrationFolder()
            .Write("0001_create.sql", "create table once (id int); select pg_sleep(0.3);")
            .Write("0002_fill.sql", "insert into once values (1);")
            .Write("0003_index.sql", "create index once_id on once (id);");
        await using var otherProcess = database.CreateDataSource();

        var results = await Task.WhenAll(
            new MigrationRunner(database.DataSource, folder.Path).ApplyAsync(),
            new MigrationRunner(otherProcess, folder.Path).ApplyAsync());

        Assert.Equal(
            ["0001_create.sql", "0002_fill.sql", "0003_index.sql"],
            results.SelectMany(r => r).Select(m => m.FileName).Order(StringComparer.Ordinal));
        Assert.Contains(results, r => r.Count == 0);
        Assert.Equal([3L], await ColumnAsync<long>(database, "select count(*) from schema_migrations"));
        Assert.Equal([1L], await ColumnAsync<long>(database, "select count(*) from once"));
        Assert.Equal([0L], await ColumnAsync<long>(database, "select count(*) from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())"));
    }

    [Fact]
    public async Task Function_bodies_with_semicolons_apply_as_one_migration()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder().Write("0001_function.sql", """
            create table t (v int);
            create function refuse_delete() returns trigger language plpgsql as $$
            begin
                raise exception 'append-only; no deletes';
            end;
            $$;
            create trigger t_no_delete before delete on t for each row execute function refuse_delete();
            insert into t values (1);
            """);

        await new MigrationRunner(database.DataSource, folder.Path).ApplyAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ColumnAsync<int>(database, "delete from t returning v"));
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_reports_pending_files_until_they_are_applied()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder()
            .Write("0001_a.sql", "create table a (id int);")
            .Write("0002_b.sql", "create table b (id int);");
        var runner = new MigrationRunner(database.DataSource, folder.Path);

        var before = await runner.GetStatusAsync();
        Assert.Equal(["0001_a.sql", "0002_b.sql"], before.Pending.Select(m => m.FileName));
        Assert.False(await runner.AreAllAppliedAsync());

        await runner.ApplyAsync();

        var after = await runner.GetStatusAsync();
        Assert.Empty(after.Pending);
        Assert.Equal(2, after.Applied.Count);
        Assert.True(await runner.AreAllAppliedAsync());
    }

    [Fact]
    public async Task An_empty_folder_applies_nothing_and_a_missing_one_is_an_error()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        using var folder = new MigrationFolder();

        Assert.Empty(await new MigrationRunner(database.DataSource, folder.Path).ApplyAsync());
        Assert.True(await new MigrationRunner(database.DataSource, folder.Path).AreAllAppliedAsync());
        await Assert.ThrowsAsync<DirectoryNotFoundException>(
            () => new MigrationRunner(database.DataSource, Path.Combine(folder.Path, "missing")).ApplyAsync());
    }

    private static async Task<List<T>> ColumnAsync<T>(TestDatabase database, string sql)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
            values.Add(reader.GetFieldValue<T>(0));
        return values;
    }
}

using System.Diagnostics;
using System.Globalization;
using Npgsql;
using SCOFacts.EventStore.Hosting;
using Xunit.Abstractions;

namespace SCOFacts.EventStore.Tests.Hosting;

public sealed class LocalPostgresClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Throwaway_cluster_starts_answers_a_query_and_is_removed_on_dispose()
    {
        var cluster = LocalPostgresCluster.CreateThrowaway(new LocalPostgresClusterOptions { Fsync = false });
        string folder;
        int port;
        try
        {
            var clock = Stopwatch.StartNew();
            await cluster.StartAsync();
            output.WriteLine($"throwaway cluster (initdb + start) ready in {clock.ElapsedMilliseconds} ms from {cluster.BinDirectory}");

            folder = cluster.Folder;
            port = cluster.Port;
            Assert.True(Directory.Exists(cluster.DataDirectory));
            Assert.Contains("Host=127.0.0.1", cluster.ConnectionString, StringComparison.Ordinal);
            Assert.Equal("off", await ScalarAsync(cluster.ConnectionString, "show fsync"));
            Assert.Equal("127.0.0.1", await ScalarAsync(cluster.ConnectionString, "show listen_addresses"));
            Assert.Equal("300", await ScalarAsync(cluster.ConnectionString, "show max_connections"));
            Assert.Equal(42, await ScalarAsync(cluster.ConnectionString, "select 40 + 2"));
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        Assert.False(Directory.Exists(folder), "the throwaway folder should be gone");
        Assert.False(cluster.IsRunning);
        var stillServing = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Pooling = false, Timeout = 2 };
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(stillServing.ConnectionString, "select 1"));
    }

    [Fact]
    public async Task Persistent_cluster_keeps_its_data_and_port_across_stop_and_start()
    {
        var folder = NewClusterFolder();
        try
        {
            int firstPort;
            await using (var first = LocalPostgresCluster.Persistent(folder))
            {
                var clock = Stopwatch.StartNew();
                await first.StartAsync();
                output.WriteLine($"persistent cluster created and started in {clock.ElapsedMilliseconds} ms");
                firstPort = first.Port;
                Assert.Equal("on", await ScalarAsync(first.ConnectionString, "show fsync"));
                await ScalarAsync(first.ConnectionString, "create table kept (v text); insert into kept values ('survives')");
                await first.StopAsync();
                Assert.False(first.IsRunning);
                Assert.False(File.Exists(Path.Combine(first.DataDirectory, "postmaster.pid")));
            }

            await using (var second = LocalPostgresCluster.Persistent(folder))
            {
                var clock = Stopwatch.StartNew();
                await second.StartAsync();
                output.WriteLine($"persistent cluster restarted in {clock.ElapsedMilliseconds} ms");
                Assert.Equal(firstPort, second.Port);
                Assert.Equal("survives", await ScalarAsync(second.ConnectionString, "select v from kept"));
            }

            Assert.True(File.Exists(Path.Combine(folder, "data", "PG_VERSION")), "a persistent cluster keeps its folder");
            Assert.False(File.Exists(Path.Combine(folder, "data", "postmaster.pid")), "dispose stops the server it started");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public async Task Persistent_cluster_starts_over_a_stale_pid_file_whose_process_id_was_reused()
    {
        var folder = NewClusterFolder();
        try
        {
            await using var cluster = LocalPostgresCluster.Persistent(folder, new LocalPostgresClusterOptions { Fsync = false });
            await cluster.StartAsync();
            await cluster.StopAsync();

            // What a crash leaves behind, at its worst: the recorded process id now belongs to another live program
            // (this test process), which makes PostgreSQL itself refuse to start.
            var pidFile = Path.Combine(cluster.DataDirectory, "postmaster.pid");
            await File.WriteAllLinesAsync(pidFile,
            [
                Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cluster.DataDirectory, "1700000000", "5432", Path.Combine(folder, "socket"),
                "127.0.0.1", "  5432001         0", "ready",
            ]);

            await cluster.StartAsync();

            Assert.Equal(1, await ScalarAsync(cluster.ConnectionString, "select 1"));
            Assert.NotEqual(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), (await File.ReadAllLinesAsync(pidFile))[0]);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_second_instance_adopts_a_running_server_and_leaves_it_running_on_dispose()
    {
        var folder = NewClusterFolder();
        try
        {
            await using var owner = LocalPostgresCluster.Persistent(folder, new LocalPostgresClusterOptions { Fsync = false });
            await owner.StartAsync();

            await using (var adopter = LocalPostgresCluster.Persistent(folder))
            {
                await adopter.StartAsync();
                Assert.Equal(owner.Port, adopter.Port);
                Assert.Equal(1, await ScalarAsync(adopter.ConnectionString, "select 1"));
            }

            Assert.Equal(1, await ScalarAsync(owner.ConnectionString, "select 1"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public void Missing_binaries_name_the_install_command()
    {
        var empty = Directory.CreateTempSubdirectory("scofacts-test-").FullName;
        try
        {
            var nowhere = Assert.Throws<PostgresBinariesNotFoundException>(() => PostgresBinaries.Locate(null, empty, Path.Combine(empty, "none")));
            Assert.Contains("apt-get install -y postgresql", nowhere.Message, StringComparison.Ordinal);

            var wrongExplicit = Assert.Throws<PostgresBinariesNotFoundException>(() => PostgresBinaries.Locate(empty, null, "/usr/lib/postgresql"));
            Assert.Contains(PostgresBinaries.DirectoryVariable, wrongExplicit.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void Binaries_are_taken_from_the_highest_complete_version_folder()
    {
        var root = Directory.CreateTempSubdirectory("scofacts-test-").FullName;
        try
        {
            foreach (var (version, programs) in new[] { ("9.6", 3), ("15", 3), ("16", 2), ("notes", 3) })
            {
                var bin = Directory.CreateDirectory(Path.Combine(root, version, "bin")).FullName;
                foreach (var program in new[] { "initdb", "pg_ctl", "postgres" }.Take(programs))
                    File.WriteAllText(Path.Combine(bin, program), "");
            }

            var found = PostgresBinaries.Locate(null, "", root);

            Assert.Equal(Path.Combine(root, "15", "bin"), found.Directory);
            Assert.Equal(Path.Combine(root, "15", "bin", "pg_ctl"), found.PgCtl);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A not yet existing folder whose parent the postgres OS user can enter (temporary folders start as 0700).</summary>
    private static string NewClusterFolder()
    {
        var parent = Directory.CreateTempSubdirectory("scofacts-test-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        return Path.Combine(parent, "cluster");
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}

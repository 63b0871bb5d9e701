using System.IO.Compression;
using System.Text;
using Npgsql;

namespace SCOFacts.Testing.ReleaseFixtures;

/// <summary>
/// Restores a gzipped plain-SQL <c>pg_dump</c> into an empty database with Npgsql, so that no client program is needed:
/// the statements between data blocks run as one batch each, and every <c>COPY ... FROM stdin</c> block goes through
/// Npgsql's text import.
/// </summary>
public static class PlainSqlDump
{
    /// <summary>Runs the dump at <paramref name="gzipPath"/> against the database <paramref name="connectionString"/> names.</summary>
    /// <exception cref="InvalidDataException">The script holds a psql meta-command other than the ones pg_dump frames it with.</exception>
    public static async Task RestoreAsync(string connectionString, string gzipPath, CancellationToken cancellationToken = default)
    {
        // The script empties search_path for its session: that connection must not go back to a pool.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(unpooled);
        await connection.OpenAsync(cancellationToken);
        await using var file = File.OpenRead(gzipPath);
        await using var unzipped = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(unzipped, Encoding.UTF8);
        var statements = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith('\\'))
            {
                // pg_dump (15.14 on) frames its script with \restrict and \unrestrict, which guard psql itself against
                // a rogue server; they mean nothing to a restore through Npgsql.
                if (line.StartsWith("\\restrict ", StringComparison.Ordinal) || line.StartsWith("\\unrestrict ", StringComparison.Ordinal)) continue;
                throw new InvalidDataException($"{gzipPath}: the psql meta-command '{line}' cannot be run through Npgsql.");
            }
            if (line.StartsWith("COPY ", StringComparison.Ordinal) && line.EndsWith(" FROM stdin;", StringComparison.Ordinal))
            {
                await ExecuteAsync(connection, statements, cancellationToken);
                await using var import = await connection.BeginTextImportAsync(line[..^1], cancellationToken);
                while (await reader.ReadLineAsync(cancellationToken) is { } row && row != "\\.")
                {
                    await import.WriteAsync(row);
                    await import.WriteAsync('\n');
                }
                continue;
            }
            statements.Append(line).Append('\n');
        }
        await ExecuteAsync(connection, statements, cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, StringBuilder statements, CancellationToken cancellationToken)
    {
        var sql = statements.ToString();
        statements.Clear();
        if (string.IsNullOrWhiteSpace(sql)) return;
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SCOFacts.Api.Http;

namespace SCOFacts.Api.Jobs;

/// <summary>The <c>jobs</c> table: created by the writer that asks for a job, advanced by the one that runs it.</summary>
public sealed class JobStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "job_id, kind, state, requested_by, reason, created_at, started_at, finished_at, attempts, done, total, unit, rate, eta, result::text, error::text";

    /// <summary>A job to start: what it is and what it works on.</summary>
    /// <param name="Id">The job.</param>
    /// <param name="Kind">Its kind.</param>
    /// <param name="RequestedBy">Who asked: the principal its writes are recorded as.</param>
    /// <param name="Input">An import's body; null for other kinds.</param>
    /// <param name="Attempts">How many times it has been started, this one included.</param>
    public sealed record Started(Guid Id, string Kind, string RequestedBy, string? Input, int Attempts);

    /// <summary>Inserts a job, queued or (for work run in place, like the command-line import) already running, in <paramref name="transaction"/> when given.</summary>
    public async Task<Job> CreateAsync(Guid id, string kind, string requestedBy, string? reason, string unit, long? total, string? input, bool running,
        NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        var sql = $"""
            INSERT INTO jobs (job_id, kind, state, requested_by, reason, unit, total, input, started_at, attempts)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9 THEN now() END, CASE WHEN $9 THEN 1 ELSE 0 END)
            RETURNING {Columns}
            """;
        await using var owned = connection is null ? await dataSource.OpenConnectionAsync(cancellationToken) : null;
        await using var command = new NpgsqlCommand(sql, connection ?? owned, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        command.Parameters.Add(new NpgsqlParameter { Value = running ? JobStates.Running : JobStates.Queued });
        command.Parameters.Add(new NpgsqlParameter { Value = requestedBy });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = unit });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)total ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)input ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = running });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    /// <summary>The job, or null when there is none with this id.</summary>
    public async Task<Job?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM jobs WHERE job_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Up to <paramref name="limit"/> jobs, newest first, after the one keyed <paramref name="after"/> (its creation time and id).</summary>
    public async Task<IReadOnlyList<Job>> ListAsync(int limit, (DateTimeOffset CreatedAt, Guid Id)? after, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(after is null
            ? $"SELECT {Columns} FROM jobs ORDER BY created_at DESC, job_id DESC LIMIT $1"
            : $"SELECT {Columns} FROM jobs WHERE (created_at, job_id) < ($2, $3) ORDER BY created_at DESC, job_id DESC LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        if (after is { } key)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = key.CreatedAt });
            command.Parameters.Add(new NpgsqlParameter { Value = key.Id });
        }
        var jobs = new List<Job>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) jobs.Add(Read(reader));
        return jobs;
    }

    /// <summary>
    /// Starts an attempt of a job that has not ended: running, progress reset, one more attempt counted. Null when it has ended
    /// (a message delivered again after the job finished) or does not exist.
    /// </summary>
    public async Task<Started?> StartAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE jobs SET state = 'running', started_at = now(), attempts = attempts + 1, done = 0, rate = NULL, eta = NULL
            WHERE job_id = $1 AND state IN ('queued', 'running')
            RETURNING kind, requested_by, input, attempts
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new Started(id, reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3));
    }

    /// <summary>Writes how far a running job has got.</summary>
    public async Task ProgressAsync(Guid id, long done, long? total, double? rate, DateTimeOffset? eta, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE jobs SET done = $2, total = $3, rate = $4, eta = $5 WHERE job_id = $1 AND state = 'running'");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = done });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)total ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)rate ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)eta ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Ends a running job: succeeded with its result, or failed with its error (and whatever result it has). <paramref name="done"/>
    /// is how far it got; null keeps the last progress written (a job that broke off).
    /// </summary>
    public async Task FinishAsync(Guid id, long? done, object? result, JobError? error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE jobs SET state = $2, finished_at = now(), done = coalesce($3, done), total = greatest(total, $3),
                rate = coalesce($3, done) / greatest(extract(epoch FROM now() - coalesce(started_at, created_at))::double precision, 0.001),
                eta = NULL, result = $4::jsonb, error = $5::jsonb
            WHERE job_id = $1 AND state = 'running'
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = error is null ? JobStates.Succeeded : JobStates.Failed });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)done ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = Json(result), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = Json(error), NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Puts a running job back in the queue: its attempt was cut short and its message will run it again.</summary>
    public async Task RequeueAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE jobs SET state = 'queued', rate = NULL, eta = NULL WHERE job_id = $1 AND state = 'running'");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static object Json(object? value) =>
        value is null ? DBNull.Value : JsonSerializer.Serialize(value, value.GetType(), ResponseJson.Options);

    private static Job Read(NpgsqlDataReader reader)
    {
        DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(i), TimeSpan.Zero);
        JsonElement? Element(int i)
        {
            if (reader.IsDBNull(i)) return null;
            using var document = JsonDocument.Parse(reader.GetString(i));
            return document.RootElement.Clone();
        }
        var done = reader.GetInt64(9);
        long? total = reader.IsDBNull(10) ? null : reader.GetInt64(10);
        int? percent = total is > 0 ? (int)Math.Min(100, done * 100 / total.Value) : null;
        var progress = new JobProgress(done, total, reader.GetString(11), percent, reader.IsDBNull(12) ? null : reader.GetDouble(12), Time(13));
        return new Job(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
            Time(5)!.Value, Time(6), Time(7), reader.GetInt32(8), progress, Element(14), Element(15));
    }
}

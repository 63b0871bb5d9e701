using Npgsql;

namespace SCOFacts.Api.Subscriptions;

/// <summary>A webhook subscription as stored (the secret stays inside the application).</summary>
/// <param name="Id">The subscription's id.</param>
/// <param name="TargetUrl">Where deliveries are POSTed.</param>
/// <param name="FactIds">Only these facts; empty for every fact.</param>
/// <param name="Subject">Only facts of this subject; null for every subject.</param>
/// <param name="Verdicts">Only changes whose verdict before or after is one of these; empty for every verdict.</param>
/// <param name="Secret">The HMAC key of the deliveries' signatures.</param>
/// <param name="CreatedBy">The principal that subscribed.</param>
/// <param name="CreatedAt">When.</param>
public sealed record Subscription(string Id, Uri TargetUrl, IReadOnlyList<string> FactIds, string? Subject, IReadOnlyList<string> Verdicts,
    string Secret, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>The webhook_subscriptions table.</summary>
public sealed class SubscriptionStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const string Columns = "subscription_id, target_url, fact_ids, subject, verdicts, secret, created_by, created_at";

    /// <summary>Stores a new subscription and returns it.</summary>
    public async Task<Subscription> CreateAsync(Uri targetUrl, IReadOnlyList<string> factIds, string? subject, IReadOnlyList<string> verdicts,
        string secret, string createdBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targetUrl);
        var subscription = new Subscription("sub_" + Guid.CreateVersion7().ToString("N"), targetUrl, factIds, subject, verdicts, secret, createdBy,
            // Stored at microseconds, as PostgreSQL keeps it, so the answer equals a later read.
            new DateTimeOffset(clock.GetUtcNow().UtcTicks / 10 * 10, TimeSpan.Zero));
        await using var command = dataSource.CreateCommand($"INSERT INTO webhook_subscriptions ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        foreach (var value in new object?[] { subscription.Id, targetUrl.AbsoluteUri, factIds.ToArray(), subject, verdicts.ToArray(), secret, createdBy,
                     subscription.CreatedAt.UtcDateTime })
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return subscription;
    }

    /// <summary>Every subscription, oldest first.</summary>
    public async Task<IReadOnlyList<Subscription>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhook_subscriptions ORDER BY created_at, subscription_id");
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>One subscription, or null.</summary>
    public async Task<Subscription?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhook_subscriptions WHERE subscription_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>Removes a subscription and returns it as it was; null when there was none. Deliveries still queued for it are dropped.</summary>
    public async Task<Subscription?> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"DELETE FROM webhook_subscriptions WHERE subscription_id = $1 RETURNING {Columns}");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>The subscriptions whose filter <paramref name="change"/> passes.</summary>
    public async Task<IReadOnlyList<Subscription>> MatchingAsync(FactAnswerChanged change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM webhook_subscriptions " +
            "WHERE (cardinality(fact_ids) = 0 OR $1 = ANY(fact_ids)) AND (subject IS NULL OR subject = $2) " +
            "AND (cardinality(verdicts) = 0 OR $3 = ANY(verdicts) OR $4 = ANY(verdicts)) ORDER BY created_at, subscription_id");
        foreach (var value in new object[] { change.FactId, change.After.Subject, change.Before.Verdict, change.After.Verdict })
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<Subscription>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var found = new List<Subscription>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new Subscription(reader.GetString(0), new Uri(reader.GetString(1)), reader.GetFieldValue<string[]>(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<string[]>(4), reader.GetString(5), reader.GetString(6),
                new DateTimeOffset(reader.GetFieldValue<DateTime>(7), TimeSpan.Zero)));
        }
        return found;
    }
}

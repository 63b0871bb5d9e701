using System.Globalization;
using Npgsql;

namespace SCOFacts.EventStore;

public sealed partial class EventStore
{
    /// <summary>
    /// A proof for one stream: its events with the exact bytes each hash covers, and the
    /// commit-order list of event hashes that folds into <paramref name="digest"/> (the newest
    /// kept digest when null). The list grows with the log; a Merkle tree would make it
    /// logarithmic, and is the planned next step if logs grow large.
    /// </summary>
    /// <returns>Null when there is no digest yet to prove against.</returns>
    public async Task<StreamProof?> GetStreamProofAsync(string streamId, LogDigest? digest = null, CancellationToken cancellationToken = default)
    {
        digest ??= await GetLatestDigestAsync(cancellationToken);
        if (digest is null) return null;
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);

        var hashes = new List<string>();
        var indexByPosition = new Dictionary<long, long>();
        await using (var command = new NpgsqlCommand(
            "SELECT global_position, hash FROM events WHERE (transaction_id, global_position) <= ($1::text::xid8, $2) " +
            "ORDER BY transaction_id, global_position", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = digest.Position.TransactionId.ToString(CultureInfo.InvariantCulture) });
            command.Parameters.Add(new NpgsqlParameter { Value = digest.Position.GlobalPosition });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                hashes.Add(Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(1)));
                indexByPosition[reader.GetInt64(0)] = hashes.Count;
            }
        }

        var events = new List<ProofEvent>();
        await using (var command = new NpgsqlCommand(
            "SELECT global_position, transaction_id, stream_version, event_type, data::text, metadata::text, " +
            "(extract(epoch FROM recorded_at) * 1000000)::bigint, hash FROM events WHERE stream_id = $1 ORDER BY stream_version",
            connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = streamId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var previous = "";
            while (await reader.ReadAsync(cancellationToken))
            {
                var position = reader.GetInt64(0);
                var hash = Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(7));
                events.Add(new ProofEvent(position, reader.GetFieldValue<ulong>(1), reader.GetInt64(2),
                    reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetInt64(6), previous, hash,
                    indexByPosition.GetValueOrDefault(position)));
                previous = hash;
            }
        }
        return new StreamProof(streamId, events, digest, hashes);
    }
}

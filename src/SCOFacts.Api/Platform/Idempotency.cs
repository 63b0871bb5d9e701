using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SCOFacts.Api.Platform;

/// <summary>Settings for <c>Idempotency-Key</c> handling (section <c>Idempotency</c>).</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a key and its response are remembered.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a retry waits for the first request with its key to finish before answering 409 <c>idempotency-in-progress</c>.</summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a waiting retry looks at the first request's row.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// How long a running request's hold on its key lasts without renewal; the request renews it every third of
    /// this while it runs. A key whose process has died is taken over at once (its liveness lock is gone); the lease
    /// bounds the wait only when the database cannot tell yet that the process is gone (a host lost without closing
    /// its connections). Keep it below <see cref="WaitTimeout"/>, so that such a retry runs rather than getting 409.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>The idempotency key of the request being handled, for endpoints to put into event metadata.</summary>
public interface IIdempotencyFeature
{
    /// <summary>The <c>Idempotency-Key</c> header's value.</summary>
    string Key { get; }
}

public static class IdempotencyExtensions
{
    /// <summary>The request's <c>Idempotency-Key</c>, when it is a POST that sent one; null otherwise.</summary>
    public static string? GetIdempotencyKey(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<IIdempotencyFeature>()?.Key;
    }
}

/// <summary>
/// Makes a POST with an <c>Idempotency-Key</c> run once per (principal, key): the first request claims the key
/// in <c>idempotency_requests</c>, runs, and stores its status, headers and body; a retry of the same request
/// replays them, one arriving while the first still runs waits for it, and one with another request under the
/// same key gets 422 <c>idempotency-key-reused</c>. Server errors are not stored: the key is released so that a
/// retry runs the request again.
/// </summary>
/// <remarks>
/// When the database goes away mid-request the key cannot be released and its row stays <c>running</c>; when the
/// process dies, nothing releases it either. Each row names the process that claimed it (<c>owner</c>), and each
/// process holds, on a connection of its own, a session-level advisory lock named after itself for as long as it
/// lives. A retry takes a <c>running</c> key over at once when its owner is this process and nothing here runs it,
/// or when the owner's lock is gone: the database drops a session's locks as soon as its client's connection
/// closes, which a killed process's operating system does at once. Only when the database cannot tell yet (a host
/// gone silent) does a retry wait for the lease, renewed while the request runs, to lapse. Running a request twice
/// is safe for event writes either way: the key travels in the events' metadata, and the store answers a repeated
/// key with the original events.
/// </remarks>
internal sealed partial class IdempotencyMiddleware(
    RequestDelegate next,
    NpgsqlDataSource dataSource,
    IOptions<IdempotencyOptions> options,
    IProblemDetailsService problems,
    IHostApplicationLifetime lifetime,
    ILogger<IdempotencyMiddleware> logger)
{
    /// <summary>
    /// The first half of the two-key advisory lock each process holds while it lives ("5C0FAC" for SCOFacts, slot 11);
    /// the second half is <c>hashtext(owner)</c>. Two processes whose names share a hash only make each other's
    /// orphaned keys wait for the lease.
    /// </summary>
    public const int OwnerLockClass = 0x5C0FAC11;

    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";
    private const int MaxKeyLength = 255;

    // The headers that carry the result: where it is, which version, how to read the body.
    private static readonly string[] StoredHeaders = ["Location", "Content-Location", "ETag", "Content-Type"];

    // This process's name in the owner column, and the keys its requests are running right now.
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<(string Principal, string Key), byte> _running = new();
    private readonly object _livenessGate = new();
    private Task? _liveness;
    private TaskCompletionSource? _livenessHeld;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Headers.TryGetValue(HeaderName, out var values))
        {
            await next(context);
            return;
        }
        var key = values.ToString();
        if (values.Count != 1 || key.Length is 0 or > MaxKeyLength || key.Any(c => c < 0x21 || c > 0x7e))
        {
            await WriteProblemAsync(context, ProblemKinds.MalformedRequest, $"{HeaderName} must be a single value of 1-{MaxKeyLength} visible ASCII characters.");
            return;
        }

        var settings = options.Value;
        var principal = context.User.Identity?.IsAuthenticated == true
            ? context.User.ScoFactsPrincipalName()
            : "anonymous@" + context.Connection.RemoteIpAddress;
        var hash = await HashRequestAsync(context.Request);
        await EnsureLivenessAsync(context.RequestAborted);
        var deadline = DateTime.UtcNow + settings.WaitTimeout;
        while (true)
        {
            // Only a request that holds the key in this process may claim it: a second one here waits for the first.
            if (_running.TryAdd((principal, key), 0))
            {
                var claimed = false;
                try
                {
                    claimed = await TryClaimAsync(principal, key, hash, settings, context.RequestAborted);
                    if (claimed)
                    {
                        await RunAndStoreAsync(context, principal, key, settings);
                        return;
                    }
                }
                finally
                {
                    _running.TryRemove((principal, key), out _);
                }
            }
            var existing = await ReadAsync(principal, key, context.RequestAborted);
            if (existing is null)
            {
                // Released by a first request that failed, or not yet written by one that is claiming it here.
                await Task.Delay(settings.PollInterval, context.RequestAborted);
                continue;
            }
            if (!CryptographicOperations.FixedTimeEquals(existing.RequestHash, hash))
            {
                await WriteProblemAsync(context, ProblemKinds.IdempotencyKeyReused,
                    $"The {HeaderName} '{key}' was already used for a different request.");
                return;
            }
            if (existing.StatusCode is { } status)
            {
                await ReplayAsync(context, status, existing.Headers, existing.Body);
                return;
            }
            if (DateTime.UtcNow >= deadline)
            {
                await WriteProblemAsync(context, ProblemKinds.IdempotencyInProgress,
                    $"The first request with {HeaderName} '{key}' has not finished within {settings.WaitTimeout.TotalSeconds:0.#} s.");
                return;
            }
            await Task.Delay(settings.PollInterval, context.RequestAborted);
        }
    }

    private async Task RunAndStoreAsync(HttpContext context, string principal, string key, IdempotencyOptions settings)
    {
        context.Features.Set<IIdempotencyFeature>(new IdempotencyFeature(key));
        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        using (var running = new CancellationTokenSource())
        {
            var renewal = RenewLeaseAsync(principal, key, settings.Lease, running.Token);
            try
            {
                await next(context);
            }
            catch
            {
                context.Response.Body = original;
                await running.CancelAsync();
                await renewal;
                await ReleaseAsync(principal, key);
                throw;
            }
            await running.CancelAsync();
            await renewal;
        }
        context.Response.Body = original;

        var status = context.Response.StatusCode;
        if (status is >= 200 and < 300 or >= 400 and < 500)
        {
            var headers = StoredHeaders
                .Where(name => context.Response.Headers.ContainsKey(name))
                .ToDictionary(name => name, name => context.Response.Headers[name].ToString(), StringComparer.OrdinalIgnoreCase);
            await StoreAsync(principal, key, status, headers, buffer.ToArray());
        }
        else
        {
            await ReleaseAsync(principal, key);
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private static async Task ReplayAsync(HttpContext context, int status, Dictionary<string, string> headers, byte[] body)
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
            context.Response.Headers[name] = value;
        context.Response.Headers[ReplayedHeaderName] = "true";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static async Task<byte[]> HashRequestAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}{request.QueryString}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            sha.AppendData(chunk, 0, read);
        request.Body.Position = 0;
        return sha.GetHashAndReset();
    }

    private async Task<bool> TryClaimAsync(string principal, string key, byte[] hash, IdempotencyOptions settings, CancellationToken cancellationToken)
    {
        // Lazy clean-up: now and then, forget a batch of expired keys.
        if (Random.Shared.Next(100) == 0)
        {
            await using var purge = dataSource.CreateCommand(
                "delete from idempotency_requests where ctid in (select ctid from idempotency_requests where expires_at < clock_timestamp() limit 1000)");
            await purge.ExecuteNonQueryAsync(cancellationToken);
        }

        // An expired row is taken over by anyone; a running one by the same request, once its lease ran out or,
        // when this process claimed it, at once: the caller holds the key here, so no request here still runs it.
        await using var command = dataSource.CreateCommand(
            """
            insert into idempotency_requests as r (principal, idempotency_key, request_hash, state, lease_until, expires_at, owner)
            values ($1, $2, $3, 'running', clock_timestamp() + $4, clock_timestamp() + $5, $6)
            on conflict (principal, idempotency_key) do update
                set request_hash = excluded.request_hash, state = 'running', lease_until = excluded.lease_until,
                    status_code = null, headers = null, body = null, created_at = clock_timestamp(), expires_at = excluded.expires_at,
                    owner = excluded.owner
                where r.expires_at < clock_timestamp()
                   or (r.state = 'running' and r.request_hash = excluded.request_hash
                       and (r.lease_until < clock_timestamp() or r.owner = excluded.owner
                            or not exists (select 1 from pg_locks l
                                           where l.locktype = 'advisory' and l.granted and l.objsubid = 2
                                             and l.database = (select oid from pg_database where datname = current_database())
                                             and l.classid = $7::int4::oid and l.objid = hashtext(r.owner)::oid)))
            returning true
            """);
        command.Parameters.Add(new() { Value = principal });
        command.Parameters.Add(new() { Value = key });
        command.Parameters.Add(new() { Value = hash });
        command.Parameters.Add(new() { Value = settings.Lease });
        command.Parameters.Add(new() { Value = settings.Retention });
        command.Parameters.Add(new() { Value = _owner });
        command.Parameters.Add(new() { Value = OwnerLockClass });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    // Starts holding this process's liveness lock on first use, and waits (briefly) until it is held, so that no key
    // claimed here looks orphaned to another process. If the database cannot be reached the claim fails anyway.
    private async Task EnsureLivenessAsync(CancellationToken cancellationToken)
    {
        Task held;
        lock (_livenessGate)
        {
            if (_liveness is null)
            {
                _livenessHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _liveness = Task.Run(() => HoldLivenessAsync(lifetime.ApplicationStopping), CancellationToken.None);
            }
            held = _livenessHeld!.Task;
        }
        try
        {
            await held.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (TimeoutException)
        {
            // The lease still covers the keys claimed meanwhile.
        }
    }

    // Holds the lock named after this process on a connection of its own, checking it every second and taking it
    // again on a new connection when the old one is lost (a database restart drops every lock).
    private async Task HoldLivenessAsync(CancellationToken stopping)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stopping.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await dataSource.OpenConnectionAsync(stopping);
                await using (var take = new NpgsqlCommand("select pg_advisory_lock($1, hashtext($2))", connection))
                {
                    take.Parameters.Add(new() { Value = OwnerLockClass });
                    take.Parameters.Add(new() { Value = _owner });
                    await take.ExecuteNonQueryAsync(stopping);
                }
                _livenessHeld!.TrySetResult();
                backoff = TimeSpan.FromMilliseconds(250);
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                while (await timer.WaitForNextTickAsync(stopping))
                {
                    await using var check = new NpgsqlCommand("select 1", connection);
                    await check.ExecuteNonQueryAsync(stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogLivenessLost(logger, e.GetBaseException().Message);
                try
                {
                    await Task.Delay(backoff, stopping);
                }
                catch (OperationCanceledException)
                {
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            finally
            {
                if (connection is not null) await ReleaseLivenessAsync(connection);
            }
        }
    }

    // The pool keeps sessions as they are (no reset on close): a lock left on a returned connection would outlive us.
    private static async Task ReleaseLivenessAsync(NpgsqlConnection connection)
    {
        try
        {
            if (connection.FullState == System.Data.ConnectionState.Open)
            {
                await using var release = new NpgsqlCommand("select pg_advisory_unlock_all()", connection);
                await release.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (NpgsqlException)
        {
            // A broken connection is not returned to the pool, and its session's locks died with it.
        }
        await connection.DisposeAsync();
    }

    // Keeps the key's lease from lapsing while its request runs, so that the lease can be short.
    private async Task RenewLeaseAsync(string principal, string key, TimeSpan lease, CancellationToken running)
    {
        using var timer = new PeriodicTimer(lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(running))
            {
                try
                {
                    await using var command = dataSource.CreateCommand(
                        """
                        update idempotency_requests set lease_until = clock_timestamp() + $3
                        where principal = $1 and idempotency_key = $2 and state = 'running' and owner = $4
                        """);
                    command.Parameters.Add(new() { Value = principal });
                    command.Parameters.Add(new() { Value = key });
                    command.Parameters.Add(new() { Value = lease });
                    command.Parameters.Add(new() { Value = _owner });
                    await command.ExecuteNonQueryAsync(running);
                }
                catch (NpgsqlException e)
                {
                    // The request itself will meet the same trouble; a missed renewal only shortens the wait of a retry elsewhere.
                    LogRenewalFailed(logger, e.GetBaseException().Message, key);
                }
            }
        }
        catch (OperationCanceledException) when (running.IsCancellationRequested)
        {
            // The request has finished.
        }
    }

    private async Task<StoredRequest?> ReadAsync(string principal, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select request_hash, status_code, headers, body from idempotency_requests where principal = $1 and idempotency_key = $2 and state in ('running', 'completed')");
        command.Parameters.Add(new() { Value = principal });
        command.Parameters.Add(new() { Value = key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var headers = reader.IsDBNull(2)
            ? []
            : JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(2)) ?? [];
        return new StoredRequest(
            reader.GetFieldValue<byte[]>(0),
            reader.IsDBNull(1) ? null : reader.GetInt32(1),
            headers,
            reader.IsDBNull(3) ? [] : reader.GetFieldValue<byte[]>(3));
    }

    private async Task StoreAsync(string principal, string key, int status, Dictionary<string, string> headers, byte[] body)
    {
        // Not the request's token: once the work is done, its outcome must be recorded even if the client left.
        await using var command = dataSource.CreateCommand(
            """
            update idempotency_requests set state = 'completed', status_code = $3, headers = $4::jsonb, body = $5
            where principal = $1 and idempotency_key = $2 and owner = $6
            """);
        command.Parameters.Add(new() { Value = principal });
        command.Parameters.Add(new() { Value = key });
        command.Parameters.Add(new() { Value = status });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(headers) });
        command.Parameters.Add(new() { Value = body });
        command.Parameters.Add(new() { Value = _owner });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private async Task ReleaseAsync(string principal, string key)
    {
        try
        {
            await using var command = dataSource.CreateCommand(
                "delete from idempotency_requests where principal = $1 and idempotency_key = $2 and state = 'running' and owner = $3");
            command.Parameters.Add(new() { Value = principal });
            command.Parameters.Add(new() { Value = key });
            command.Parameters.Add(new() { Value = _owner });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            // The lease runs out in the end and a retry takes the key over; the original failure is what matters.
            LogReleaseFailed(logger, key, e.GetBaseException().Message);
        }
    }

    private Task WriteProblemAsync(HttpContext context, ProblemKind kind, string detail)
    {
        context.Response.StatusCode = kind.Status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Type = kind.Type, Title = kind.Title, Status = kind.Status, Detail = detail },
        }).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Lost the idempotency liveness lock's connection; taking it again: {Reason}")]
    private static partial void LogLivenessLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not renew the lease of idempotency key {Key}: {Reason}")]
    private static partial void LogRenewalFailed(ILogger logger, string reason, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release idempotency key {Key} after a failed request: {Reason}")]
    private static partial void LogReleaseFailed(ILogger logger, string key, string reason);

    private sealed record StoredRequest(byte[] RequestHash, int? StatusCode, Dictionary<string, string> Headers, byte[] Body);

    private sealed record IdempotencyFeature(string Key) : IIdempotencyFeature;
}

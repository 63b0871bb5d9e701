using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SCOFacts.Api.Platform;

/// <summary>The roles an API key can have.</summary>
public static class Roles
{
    /// <summary>Records claims, disputes and endorses them.</summary>
    public const string Checker = "checker";

    /// <summary>Everything a checker does, plus resolving disputes, retracting claims and rating sources.</summary>
    public const string Editor = "editor";

    /// <summary>Reads the audit trail and verifies the log.</summary>
    public const string Auditor = "auditor";

    public static IReadOnlyList<string> All { get; } = [Checker, Editor, Auditor];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}

/// <summary>An API key as stored (never the key itself).</summary>
public sealed record ApiKeyInfo(long Id, string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    /// <summary>The principal name events record: <c>{role}:{name}</c>.</summary>
    public string PrincipalName => $"{Role}:{Name}";
}

/// <summary>A key just created: the only moment its secret is known.</summary>
public sealed record CreatedApiKey(ApiKeyInfo Info, string Key);

/// <summary>Settings for API-key authentication (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// How long a key found valid is trusted without asking the database again. A key revoked in another process
    /// keeps working here for up to this long (revoking through this process takes effect at once). Zero turns the cache off.
    /// </summary>
    public TimeSpan KeyCacheDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Creates, lists, revokes and looks up API keys in <c>api_keys</c>.</summary>
public sealed partial class ApiKeyStore(NpgsqlDataSource dataSource, IMemoryCache cache, IOptions<AuthOptions> options)
{
    private const string KeyPrefix = "sco_";

    /// <summary>Creates a key with 256 random bits and stores only its SHA-256 hash.</summary>
    /// <exception cref="ArgumentException">The role is unknown or the name is not a short slug.</exception>
    /// <exception cref="InvalidOperationException">A live key already has this name.</exception>
    public async Task<CreatedApiKey> CreateAsync(string name, string role, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        if (!Roles.IsKnown(role))
            throw new ArgumentException($"Unknown role '{role}'; use one of {string.Join(", ", Roles.All)}.", nameof(role));

        var key = KeyPrefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        await using var command = dataSource.CreateCommand(
            "insert into api_keys (name, role, key_hash) values ($1, $2, $3) returning id, created_at");
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = role });
        command.Parameters.Add(new() { Value = Hash(key) });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new CreatedApiKey(new ApiKeyInfo(reader.GetInt64(0), name, role, reader.GetFieldValue<DateTimeOffset>(1), null), key);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InvalidOperationException($"A live API key named '{name}' already exists; revoke it first or choose another name.", e);
        }
    }

    /// <summary>Every key, live and revoked, oldest first.</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select id, name, role, created_at, revoked_at from api_keys order by id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyInfo>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(Read(reader));
        return keys;
    }

    /// <summary>True when at least one key has ever been created.</summary>
    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select exists (select 1 from api_keys)");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Revokes the live key with this name; false when there is none.</summary>
    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "update api_keys set revoked_at = clock_timestamp() where name = $1 and revoked_at is null returning key_hash");
        command.Parameters.Add(new() { Value = name });
        var hash = await command.ExecuteScalarAsync(cancellationToken);
        if (hash is not byte[] bytes)
            return false;
        cache.Remove(CacheKey(bytes));
        return true;
    }

    /// <summary>The live key a request presented, or null when it is unknown or revoked.</summary>
    public async Task<ApiKeyInfo?> FindLiveAsync(string key, CancellationToken cancellationToken = default)
    {
        var hash = Hash(key);
        var cacheKey = CacheKey(hash);
        if (cache.TryGetValue(cacheKey, out ApiKeyInfo? cached))
            return cached;

        await using var command = dataSource.CreateCommand(
            "select id, name, role, created_at, revoked_at from api_keys where key_hash = $1 and revoked_at is null");
        command.Parameters.Add(new() { Value = hash });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null; // Unknown keys are not cached: a key created a moment ago must work at once.
        var info = Read(reader);
        var duration = options.Value.KeyCacheDuration;
        if (duration > TimeSpan.Zero)
            cache.Set(cacheKey, info, duration);
        return info;
    }

    /// <summary>
    /// SHA-256 without salt or stretching: the keys are 256-bit random values, not passwords a person chose, so
    /// guessing one from its hash is as hopeless as guessing the key, and the hash can be looked up by equality.
    /// </summary>
    internal static byte[] Hash(string key) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));

    private static string CacheKey(byte[] hash) => "api-key:" + Convert.ToHexString(hash);

    private static ApiKeyInfo Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
            throw new ArgumentException($"'{name}' is not a valid key name: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.", nameof(name));
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}

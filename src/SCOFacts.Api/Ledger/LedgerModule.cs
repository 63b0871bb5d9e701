using Microsoft.Extensions.Options;
using Npgsql;
using SCOFacts.Api.Platform;
using SCOFacts.Ledger;

namespace SCOFacts.Api.Ledger;

/// <summary>Wires the ledger's HTTP surface: the signing key, checkpoint signing, the sealing-lag watch and the reader.</summary>
public static class LedgerModule
{
    public static WebApplicationBuilder AddScoFactsLedger(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<LedgerOptions>().BindConfiguration(LedgerOptions.Section);
        services.AddSingleton(sp => OpenSigningKey(sp.GetRequiredService<IOptions<LedgerOptions>>().Value, sp.GetRequiredService<ILogger<LedgerOptions>>()));
        services.AddSingleton(sp => new LedgerReader(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new LedgerCheckpoints(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<LedgerSigningKey>()));
        services.AddSingleton<ILedgerEventLog>(sp =>
            new MartenEventLog(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IOptions<LedgerOptions>>().Value.EventSchema));
        services.AddSingleton<SealingLagMonitor>();
        services.AddSingleton<LedgerQueries>();
        // The signer needs the key, so the key is made (or read) as the host starts, not at the first request.
        services.AddSingleton<LedgerCheckpointSigner>();
        services.AddHostedService(sp => sp.GetRequiredService<LedgerCheckpointSigner>());
        services.AddHostedService<SealingLagSampler>();
        services.AddReadinessCheck<SealingLagHealthCheck>("ledger-sealing");
        services.AddSingleton<LedgerVerification>();
        services.AddHostedService(sp => sp.GetRequiredService<LedgerVerification>());
        services.AddReadinessCheck<LedgerVerificationHealthCheck>("ledger-verification");
        services.AddProblemKind(LedgerApi.BeyondTreeHead);
        return builder;
    }

    /// <summary>Reads the signing key, or makes it on first start; a key file others can read is narrowed to its owner.</summary>
    internal static LedgerSigningKey OpenSigningKey(LedgerOptions options, ILogger logger)
    {
        var path = Path.GetFullPath(options.SigningKeyPath);
        if (!OperatingSystem.IsWindows())
        {
            var folder = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(folder))
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var key = LedgerSigningKey.LoadOrCreate(path, options.Origin);
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var mode = File.GetUnixFileMode(path);
            if ((mode & ~ownerOnly) != 0)
            {
                File.SetUnixFileMode(path, mode & ownerOnly);
                LedgerLog.KeyNarrowed(logger, path);
            }
        }
        LedgerLog.KeyReady(logger, path, key.VerifierKey);
        return key;
    }
}

internal static partial class LedgerLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Ledger signing key {Path}; verifier key {VerifierKey}")]
    public static partial void KeyReady(ILogger logger, string path, string verifierKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger signing key {Path} was readable by others; it is now readable by its owner only")]
    public static partial void KeyNarrowed(ILogger logger, string path);
}

using Npgsql;
using SCOFacts.Api.Platform;

namespace SCOFacts.Api.Tests.Platform;

/// <summary>Which failures are the database being away (503 with Retry-After) and which are a refusal or a bug.</summary>
public sealed class DatabaseFailuresTests
{
    public static TheoryData<Exception, bool> Failures() => new()
    {
        { new NpgsqlException("Exception while reading from stream"), true },
        { new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown), true },
        { new PostgresException("the database system is starting up", "FATAL", "FATAL", PostgresErrorCodes.CannotConnectNow), true },
        { new PostgresException("connection failure", "FATAL", "FATAL", PostgresErrorCodes.ConnectionFailure), true },
        { new PostgresException("duplicate key value", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation), false },
        { new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected), false },
        { new OperationCanceledException("cancelled", new NpgsqlException("broken connection")), true },
        { new InvalidOperationException("wrapped", new System.Net.Sockets.SocketException()), true },
        { new AggregateException(new InvalidOperationException("bug"), new NpgsqlException("refused")), true },
        { new AggregateException(new InvalidOperationException("bug"), new ArgumentException("bad")), false },
        { new InvalidOperationException("bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void An_outage_is_told_from_a_refusal_however_deep_it_is_wrapped(Exception failure, bool unavailable) =>
        Assert.Equal(unavailable, DatabaseFailures.IsUnavailable(failure));
}

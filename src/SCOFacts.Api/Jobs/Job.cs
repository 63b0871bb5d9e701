using System.Text.Json;

namespace SCOFacts.Api.Jobs;

/// <summary>The kinds of long job, as stored and served.</summary>
public static class JobKinds
{
    /// <summary>Recording the sources, facts and claims of an import file.</summary>
    public const string Import = "import";

    /// <summary>A full trust estimation from the log.</summary>
    public const string TrustEstimation = "trust-estimation";
}

/// <summary>The states a job passes through: queued, running, then succeeded or failed.</summary>
public static class JobStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>A long job: what was asked, by whom and why, how far it has got, and how it ended.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Kind"><c>import</c> or <c>trust-estimation</c>.</param>
/// <param name="State"><c>queued</c>, <c>running</c>, <c>succeeded</c> or <c>failed</c>.</param>
/// <param name="RequestedBy">The principal who asked.</param>
/// <param name="Reason">Why, when they said.</param>
/// <param name="CreatedAt">When it was asked for.</param>
/// <param name="StartedAt">When its latest attempt started (a job interrupted by a restart runs again).</param>
/// <param name="FinishedAt">When it ended.</param>
/// <param name="Attempts">How many times it has been started.</param>
/// <param name="Progress">How far the latest attempt has got.</param>
/// <param name="Result">What it did, once it has ended (an import's counts, conflicts and rejections; an estimation's run).</param>
/// <param name="Error">Why it failed, as a problem; null unless failed.</param>
public sealed record Job(Guid Id, string Kind, string State, string RequestedBy, string? Reason, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, int Attempts, JobProgress Progress, JsonElement? Result, JsonElement? Error);

/// <summary>How far a job has got, as of its last progress write.</summary>
/// <param name="Done">Units done.</param>
/// <param name="Total">Units in all, when known.</param>
/// <param name="Unit">What is counted, e.g. <c>items</c>.</param>
/// <param name="Percent">Done as a whole percentage of the total, when known.</param>
/// <param name="Rate">Units per second so far in the latest attempt.</param>
/// <param name="Eta">When it is expected to finish at that rate.</param>
public sealed record JobProgress(long Done, long? Total, string Unit, int? Percent, double? Rate, DateTimeOffset? Eta);

/// <summary>Why a job failed: a problem (RFC 9457) stored with the job.</summary>
/// <param name="Type">The problem type.</param>
/// <param name="Title">Its fixed title.</param>
/// <param name="Detail">What happened.</param>
public sealed record JobError(string Type, string Title, string Detail);

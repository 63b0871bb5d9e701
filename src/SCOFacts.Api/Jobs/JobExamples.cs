using System.Text.Json;
using SCOFacts.Api.Trust;

namespace SCOFacts.Api.Jobs;

/// <summary>The OpenAPI examples of the jobs endpoints.</summary>
public static class JobExamples
{
    private static readonly DateTimeOffset Asked = new(2026, 1, 12, 9, 30, 0, TimeSpan.Zero);

    /// <summary>An import file of one source and one of its claims, as a JSON array.</summary>
    public static IReadOnlyList<object> ImportBody { get; } =
    [
        new
        {
            id = "wire-2026-01-12", title = "SCO foreign ministers meet in Bishkek", publisher = "Example Wire", author = (string?)null,
            url = "https://wire.example/sco-2026-01-12", publishedOn = "2026-01-12", kind = "news", language = "en",
            document = (string?)null, sha256 = (string?)null, note = (string?)null,
        },
        new
        {
            id = "c-wire-001", fact = "sco.member-count", source = "wire-2026-01-12",
            value = new { kind = "quantity", amount = "10", unit = "members", approx = "exact" },
            validTime = new { at = "2026-01-12" }, quote = "the ten member states of the SCO", locator = (object?)null, note = (string?)null,
        },
    ];

    /// <summary>An import just asked for.</summary>
    public static Job Queued { get; } = new(Guid.Parse("019bb1a2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"), JobKinds.Import, JobStates.Queued, "editor:desk-editor",
        null, Asked, null, null, 0, new JobProgress(0, 2, "items", 0, null, null), null, null);

    /// <summary>An import half-way.</summary>
    public static Job Running { get; } = Queued with
    {
        State = JobStates.Running, StartedAt = Asked.AddSeconds(1), Attempts = 1,
        Progress = new JobProgress(1200, 5000, "items", 24, 410.5, Asked.AddSeconds(13)),
    };

    /// <summary>A full trust estimation that has ended.</summary>
    public static Job Succeeded { get; } = new(Guid.Parse("019bb1a0-0000-7000-8000-000000000001"), JobKinds.TrustEstimation, JobStates.Succeeded,
        "editor:desk-editor", "Editors re-rated three wire services this morning.", Asked.AddMinutes(-10), Asked.AddMinutes(-10).AddSeconds(1),
        Asked.AddMinutes(-9), 1, new JobProgress(1, 1, "estimations", 100, 0.02, null),
        JsonSerializer.SerializeToElement(new TrustRun(120, 5, 2, 14, 23, true), Http.ResponseJson.Options), null);
}

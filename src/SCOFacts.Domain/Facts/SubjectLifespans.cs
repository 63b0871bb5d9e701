namespace SCOFacts.Domain.Facts;

/// <summary>When a subject came into being, and what to call it in a sentence.</summary>
/// <param name="Subject">The subject id facts use ("sco").</param>
/// <param name="Name">How an explanation names it ("the SCO").</param>
/// <param name="Since">The first day it existed.</param>
public sealed record SubjectLifespan(string Subject, string Name, DateOnly Since);

/// <summary>
/// The subjects whose beginning is known. A claim with an open start ("six members, until 2016") reaches back only to
/// its subject's first day; for a subject not listed here it reaches back only as far as the fact's earliest dated
/// evidence, and earlier reads are answered as unknown (see docs/adr/006).
/// </summary>
public static class SubjectLifespans
{
    private static readonly Dictionary<string, SubjectLifespan> Known = new SubjectLifespan[]
    {
        // The declaration establishing the organisation was signed in Shanghai on 15 June 2001.
        new("sco", "the SCO", new DateOnly(2001, 6, 15)),
        // The Shanghai Five's first summit, in Shanghai, on 26 April 1996.
        new("shanghai-five", "the Shanghai Five", new DateOnly(1996, 4, 26)),
    }.ToDictionary(s => s.Subject, StringComparer.Ordinal);

    /// <summary>The subject's lifespan, or null when its beginning is not known.</summary>
    public static SubjectLifespan? Of(string subject) => Known.GetValueOrDefault(subject);
}

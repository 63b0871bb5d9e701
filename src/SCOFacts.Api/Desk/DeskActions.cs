using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SCOFacts.Api.Application;
using SCOFacts.Api.Http;
using SCOFacts.Api.Platform;
using SCOFacts.Api.ReadModels;
using SCOFacts.Domain;
using SCOFacts.Domain.Facts;
using SCOFacts.Domain.Sources;
using SCOFacts.Domain.Values;

namespace SCOFacts.Api.Desk;

/// <summary>A refusal as the desk shows it: the very problem document the API would have answered with.</summary>
public sealed record DeskProblem(int Status, string Type, string Title, string? Detail, IReadOnlyDictionary<string, string[]> Errors)
{
    /// <summary>The problem an API result carries; null when the result is not a problem.</summary>
    public static DeskProblem? From(IResult result) => result is ProblemHttpResult { ProblemDetails: var p } ? From(p) : null;

    public static DeskProblem From(ProblemHttpResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return From(result.ProblemDetails);
    }

    public static DeskProblem From(ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var errors = problem is HttpValidationProblemDetails v ? v.Errors : new Dictionary<string, string[]>();
        return new DeskProblem(problem.Status ?? 500, problem.Type ?? "", problem.Title ?? "", problem.Detail, new Dictionary<string, string[]>(errors));
    }

    public static DeskProblem From(Rejection rejection) => From(WriteSupport.Problem(rejection))!;
}

/// <summary>A value as a form gives it: the words and numbers, never JSON. The fact's value type says how to read them.</summary>
/// <param name="Value">The amount, date, status, entity, yes/no or text.</param>
/// <param name="Approx">For quantities and dates: how the source hedged (exact, about, nearly, more-than, …).</param>
/// <param name="Unit">For quantities: the unit the source used; the fact's unit when empty.</param>
public sealed record DeskValue(string? Value, string? Approx, string? Unit);

/// <summary>When a claimed value held: one date, or a range with either end open.</summary>
public sealed record DeskValidTime(string? At, string? From, string? To);

/// <summary>
/// The desk's writes. Each one checks the role with the API's own policies, builds the same command the API's
/// endpoint builds, runs it through <see cref="FactsDesk"/> with the same event metadata, and turns a refusal
/// into the same problem the API answers with. There is no other way from the desk to the database.
/// </summary>
public sealed class DeskActions(FactsDesk desk, FactQueries queries, FactReader reader)
{
    /// <summary>Records a claim (checkers and editors).</summary>
    public async Task<DeskProblem?> RecordAsync(HttpContext context, string? factId, string? claimId, string? sourceId, DeskValue value,
        DeskValidTime validTime, string? quote, Locator? locator, string? note)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(validTime);
        if (await RefuseAsync(context, Policies.Checker) is { } refused) return refused;
        if (WriteSupport.Missing(("factId", factId), ("sourceId", sourceId), ("value", value.Value), ("quote", quote)) is { } missing)
            return DeskProblem.From(missing);
        if (await reader.LoadAsync(factId!, null, context.RequestAborted) is not { State.Definition: { } definition })
            return DeskProblem.From(Problems.NotFound($"No fact '{factId}'."));
        if (ReadValue(definition.ValueType, definition.Unit, value) is not { } claimValue) return BadValue(definition.ValueType, value);
        if (ReadValidTime(validTime, out var valid) is { } badTime) return badTime;
        var id = string.IsNullOrWhiteSpace(claimId) ? WriteSupport.NewId("clm") : claimId.Trim();
        if (await queries.GetClaimAsync(id, context.RequestAborted) is { } taken && taken.FactId != factId)
            return DeskProblem.From(Rejection.Conflict("claim-exists", $"Claim id '{id}' is already used in fact '{taken.FactId}'."));
        return await RunAsync(context, null, principal => new RecordClaim(factId!, id, sourceId!.Trim(), claimValue, valid!, quote!, locator, Blank(note), principal));
    }

    /// <summary>Attaches a source's document text (checkers and editors); from then on its claims' quotes are checked against it.</summary>
    public async Task<DeskProblem?> AttachDocumentAsync(HttpContext context, string sourceId, string? text)
    {
        if (await RefuseAsync(context, Policies.Checker) is { } refused) return refused;
        if (WriteSupport.Missing(("text", text)) is { } missing) return DeskProblem.From(missing);
        // Browsers submit every line break in a textarea as CRLF; the text as published (and pasted) has LF.
        var published = text!.Replace("\r\n", "\n", StringComparison.Ordinal);
        var metadata = context.CreateEventMetadata();
        var result = await desk.RunAsync(new AttachSourceDocument(sourceId, published, metadata.Principal), metadata, null, context.RequestAborted);
        return result.Rejection is { } rejection ? DeskProblem.From(rejection) : null;
    }

    /// <summary>Disputes a claim (checkers and editors).</summary>
    public async Task<DeskProblem?> DisputeAsync(HttpContext context, string claimId, string? reason, string? counterSourceId, string? counterQuote)
    {
        if (await RefuseAsync(context, Policies.Checker) is { } refused) return refused;
        if (WriteSupport.Missing(("reason", reason)) is { } missing) return DeskProblem.From(missing);
        if (await FactOfAsync(claimId, context) is not { } factId) return NoClaim(claimId);
        var evidence = string.IsNullOrWhiteSpace(counterSourceId) ? null : new CounterEvidence(counterSourceId.Trim(), counterQuote ?? "");
        return await RunAsync(context, reason,
            principal => new DisputeClaim(factId, claimId, WriteSupport.NewId("dsp"), reason!, evidence, principal));
    }

    /// <summary>Endorses a claim (checkers and editors).</summary>
    public async Task<DeskProblem?> EndorseAsync(HttpContext context, string claimId, string? note)
    {
        if (await RefuseAsync(context, Policies.Checker) is { } refused) return refused;
        if (await FactOfAsync(claimId, context) is not { } factId) return NoClaim(claimId);
        return await RunAsync(context, Blank(note), principal => new EndorseClaim(factId, claimId, principal, Blank(note)));
    }

    /// <summary>Upholds or rejects a dispute (editors).</summary>
    public async Task<DeskProblem?> ResolveAsync(HttpContext context, string claimId, string? disputeId, string? outcome, string? note)
    {
        if (await RefuseAsync(context, Policies.Editor) is { } refused) return refused;
        if (WriteSupport.Missing(("disputeId", disputeId), ("outcome", outcome)) is { } missing) return DeskProblem.From(missing);
        if (outcome is not ("upheld" or "rejected"))
            return DeskProblem.From(Rejection.Validation("bad-outcome", "outcome must be 'upheld' or 'rejected'."));
        if (await FactOfAsync(claimId, context) is not { } factId) return NoClaim(claimId);
        return await RunAsync(context, Blank(note), principal => outcome == "upheld"
            ? new UpholdDispute(factId, claimId, disputeId!, principal, Blank(note))
            : new RejectDispute(factId, claimId, disputeId!, principal, Blank(note)));
    }

    /// <summary>Retracts a claim (editors).</summary>
    public async Task<DeskProblem?> RetractAsync(HttpContext context, string claimId, string? reason)
    {
        if (await RefuseAsync(context, Policies.Editor) is { } refused) return refused;
        if (WriteSupport.Missing(("reason", reason)) is { } missing) return DeskProblem.From(missing);
        if (await FactOfAsync(claimId, context) is not { } factId) return NoClaim(claimId);
        return await RunAsync(context, reason, principal => new RetractClaim(factId, claimId, principal, reason!));
    }

    /// <summary>Corrects a recording error in a claim's value (editors).</summary>
    public async Task<DeskProblem?> CorrectAsync(HttpContext context, string claimId, DeskValue value, string? reason)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (await RefuseAsync(context, Policies.Editor) is { } refused) return refused;
        if (WriteSupport.Missing(("value", value.Value), ("reason", reason)) is { } missing) return DeskProblem.From(missing);
        if (await FactOfAsync(claimId, context) is not { } factId) return NoClaim(claimId);
        var definition = (await reader.LoadAsync(factId, null, context.RequestAborted))!.Value.State.Definition!;
        if (ReadValue(definition.ValueType, definition.Unit, value) is not { } claimValue) return BadValue(definition.ValueType, value);
        return await RunAsync(context, reason, principal => new CorrectClaim(factId, claimId, claimValue, principal, reason!));
    }

    /// <summary>
    /// The API's refusal for a user without the policy: 401 without a session, 403 for the wrong role, with the
    /// API's own titles and details.
    /// </summary>
    public static async Task<DeskProblem?> RefuseAsync(HttpContext context, string policy)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return new DeskProblem(ProblemKinds.Unauthorized.Status, ProblemKinds.Unauthorized.Type, ProblemKinds.Unauthorized.Title,
                $"This operation needs an API key: send 'Authorization: Bearer <key>' or '{ApiKeyAuthenticationHandler.HeaderName}: <key>'.",
                new Dictionary<string, string[]>());
        }
        if (await DeskRoles.AllowsAsync(context, policy)) return null;
        var role = context.User.FindFirst(ClaimTypes.Role)?.Value ?? "unknown";
        return new DeskProblem(ProblemKinds.Forbidden.Status, ProblemKinds.Forbidden.Type, ProblemKinds.Forbidden.Title,
            $"The role '{role}' may not perform this operation.", new Dictionary<string, string[]>());
    }

    /// <summary>A form value read as the fact's value type; null when the words cannot be that type at all.</summary>
    public static ClaimValue? ReadValue(FactValueType type, string? factUnit, DeskValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Value?.Trim() ?? "";
        switch (type)
        {
            case FactValueType.Quantity:
                var approx = QuantityApproxOf(value.Approx);
                if (approx is null) return null;
                var unit = string.IsNullOrWhiteSpace(value.Unit) ? factUnit ?? "" : value.Unit.Trim();
                return new QuantityValue(text, unit, approx.Value);
            case FactValueType.Date:
                if (!PartialDate.TryParse(text, out var date)) return null;
                return DateApproxOf(value.Approx) is { } dateApprox ? new DateValue(date, dateApprox) : null;
            case FactValueType.Status:
                return new StatusValue(text);
            case FactValueType.Entity:
                return new EntityValue(text);
            case FactValueType.Boolean:
                return text.ToLowerInvariant() switch
                {
                    "yes" or "true" => new BooleanValue(true),
                    "no" or "false" => new BooleanValue(false),
                    _ => null,
                };
            default:
                return new TextValue(text);
        }
    }

    private static QuantityApprox? QuantityApproxOf(string? approx) => (approx ?? "exact") switch
    {
        "" or "exact" => QuantityApprox.Exact,
        "about" => QuantityApprox.About,
        "nearly" => QuantityApprox.Nearly,
        "more-than" => QuantityApprox.MoreThan,
        "less-than" => QuantityApprox.LessThan,
        "at-least" => QuantityApprox.AtLeast,
        "at-most" => QuantityApprox.AtMost,
        _ => null,
    };

    private static DateApprox? DateApproxOf(string? approx) => (approx ?? "exact") switch
    {
        "" or "exact" => DateApprox.Exact,
        "about" => DateApprox.About,
        "before" => DateApprox.Before,
        "after" => DateApprox.After,
        _ => null,
    };

    private static DeskProblem BadValue(FactValueType type, DeskValue value) => DeskProblem.From(Problems.Validation("value", type switch
    {
        FactValueType.Date => $"'{value.Value}' is not a date (use 2017, 2017-06 or 2017-06-09), or '{value.Approx}' is not a date hedge (exact, about, before, after).",
        FactValueType.Boolean => $"'{value.Value}' is not yes or no.",
        _ => $"'{value.Approx}' is not a hedge this desk knows (exact, about, nearly, more-than, less-than, at-least, at-most).",
    }));

    private static DeskProblem? ReadValidTime(DeskValidTime form, out ValidTime? validTime)
    {
        validTime = null;
        PartialDate? Read(string? text, string field, out DeskProblem? problem)
        {
            problem = null;
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (PartialDate.TryParse(text.Trim(), out var date)) return date;
            problem = DeskProblem.From(Problems.Validation(field, $"'{text}' is not a date (use 2017, 2017-06 or 2017-06-09)."));
            return null;
        }
        var at = Read(form.At, "validTime.at", out var p1);
        var from = Read(form.From, "validTime.from", out var p2);
        var to = Read(form.To, "validTime.to", out var p3);
        if ((p1 ?? p2 ?? p3) is { } problem) return problem;
        if (at is null && from is null && to is null)
            return DeskProblem.From(Problems.Validation("validTime", "'validTime' is required: a date, or a range with at least one end."));
        validTime = new ValidTime(at, from, to);
        return null;
    }

    private async Task<string?> FactOfAsync(string claimId, HttpContext context) =>
        (await queries.GetClaimAsync(claimId, context.RequestAborted))?.FactId;

    private static DeskProblem NoClaim(string claimId) => DeskProblem.From(Problems.NotFound($"No claim '{claimId}'."));

    private async Task<DeskProblem?> RunAsync(HttpContext context, string? reason, Func<string, IFactCommand> command)
    {
        var metadata = context.CreateEventMetadata(reason);
        var result = await desk.RunAsync(command(metadata.Principal), metadata, null, context.RequestAborted);
        return result.Rejection is { } rejection ? DeskProblem.From(rejection) : null;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}

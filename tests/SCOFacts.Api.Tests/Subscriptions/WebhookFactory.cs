namespace SCOFacts.Api.Tests.Subscriptions;

/// <summary>The API with deliveries that give up quickly: a 1 s timeout and three attempts 50 and 200 ms apart.</summary>
public sealed class WebhookFactory : ApiFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Webhooks:Timeout"] = "00:00:01";
        settings["Webhooks:MaxAttempts"] = "3";
        settings["Webhooks:FirstRetryDelay"] = "00:00:00.050";
    }
}

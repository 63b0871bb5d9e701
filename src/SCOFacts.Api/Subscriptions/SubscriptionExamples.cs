namespace SCOFacts.Api.Subscriptions;

/// <summary>The examples the OpenAPI document shows for subscriptions: a newsroom following the Development Bank's status.</summary>
internal static class SubscriptionExamples
{
    private const string FactId = "sco-development-bank.status";

    public static CreateSubscriptionRequest Create { get; } = new(
        "https://newsroom.example/hooks/scofacts", [FactId], null, ["contested", "settled"], "a-long-random-secret-from-the-newsroom");

    public static SubscriptionResponse Subscription { get; } = new(
        "sub_0193c1f5a8e07c6e9d4f3b2a1c0d9e8f", "https://newsroom.example/hooks/scofacts",
        new SubscriptionFilter([FactId], null, ["contested", "settled"]), "editor:bob", new DateTimeOffset(2025, 11, 22, 9, 30, 0, TimeSpan.Zero));

    public static DeadDeliveryResponse DeadDelivery { get; } = new(
        Guid.Parse("0193c1f6-0b7a-7d21-9c3e-5f4a3b2c1d0e"), Guid.Parse("0193c1f6-0b79-7c11-8a2b-4e3d2c1b0a9f"), Subscription.Id, FactId,
        Guid.Parse("0193c1f6-0b70-7e01-b5a4-3c2d1e0f9a8b"), "https://newsroom.example/hooks/scofacts answered 503.",
        new DateTimeOffset(2025, 11, 22, 12, 4, 31, TimeSpan.Zero));

    public static ReplayDeliveryRequest ReplayRequest { get; } = new("The newsroom's endpoint is back after maintenance.");

    public static ReplayResponse Replay { get; } = new(DeadDelivery.Id, DeadDelivery.DeliveryId);
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Warehouse.EventStore;

namespace Warehouse.IntegrationTests.Projections;

/// <summary>
/// Builds events exactly as ingestion stores them (docs/event-format.md): the normalised Segment message in
/// data, stream user:/anon:, the corrected timestamp in UTC, headers with the source.
/// </summary>
internal static class TrackerEvents
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    public static NewEvent Track(string? userId, string? anonymousId, string name, DateTimeOffset at, object? properties = null,
        object? campaign = null, string source = "web") =>
        Message("track", userId, anonymousId, at, source, m =>
        {
            m["event"] = name;
            m["properties"] = Node(properties ?? new { });
            if (campaign is not null) m["context"] = new JsonObject { ["campaign"] = Node(campaign) };
        });

    public static NewEvent Page(string? userId, string? anonymousId, DateTimeOffset at, object? campaign = null, string? path = "/",
        string? referrer = null) =>
        Message("page", userId, anonymousId, at, "web", m =>
        {
            m["name"] = "Home";
            var context = new JsonObject { ["page"] = Node(new { path, referrer }) };
            if (campaign is not null) context["campaign"] = Node(campaign);
            m["context"] = context;
            m["properties"] = new JsonObject { ["path"] = path };
        });

    public static NewEvent Screen(string? userId, string? anonymousId, DateTimeOffset at) =>
        Message("screen", userId, anonymousId, at, "app", m => m["name"] = "Catalogue");

    public static NewEvent Identify(string userId, string? anonymousId, DateTimeOffset at, object? traits = null) =>
        Message("identify", userId, anonymousId, at, "web", m => m["traits"] = Node(traits ?? new { }));

    public static NewEvent Alias(string userId, string previousId, DateTimeOffset at) =>
        Message("alias", userId, null, at, "web", m => m["previousId"] = previousId);

    public static NewEvent Order(string? userId, string? anonymousId, string orderId, DateTimeOffset at, decimal revenue,
        params (string ProductId, decimal Price, int Quantity)[] lines) =>
        Track(userId, anonymousId, "Order Completed", at, new
        {
            order_id = orderId,
            revenue,
            currency = "EUR",
            products = lines.Select(l => new { product_id = l.ProductId, price = l.Price, quantity = l.Quantity, name = "P " + l.ProductId }).ToArray(),
        });

    public static NewEvent ProductUpserted(string productId, object fields)
    {
        var data = (JsonObject)Node(fields)!;
        data["productId"] = productId;
        var messageId = Guid.NewGuid().ToString();
        return new NewEvent(EventIds.ForMessage("catalogue", messageId), "product:" + productId, "product_upserted",
            data.ToJsonString(), """{"source":"catalogue"}""", DateTimeOffset.UtcNow);
    }

    /// <summary>A page view of an anonymous visitor whose context and properties are given as JSON (any shape).</summary>
    public static NewEvent PageWith(string anonymousId, DateTimeOffset at, string contextJson, string propertiesJson) =>
        Message("page", null, anonymousId, at, "web", m =>
        {
            m["context"] = JsonNode.Parse(contextJson);
            m["properties"] = JsonNode.Parse(propertiesJson);
        });

    private static NewEvent Message(string type, string? userId, string? anonymousId, DateTimeOffset at, string source, Action<JsonObject> fill)
    {
        var messageId = Guid.NewGuid().ToString();
        var received = DateTimeOffset.UtcNow;
        var m = new JsonObject
        {
            ["type"] = type,
            ["messageId"] = messageId,
            ["timestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["receivedAt"] = received.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        if (userId is not null) m["userId"] = userId;
        if (anonymousId is not null) m["anonymousId"] = anonymousId;
        fill(m);
        var stream = userId is not null ? "user:" + userId : "anon:" + anonymousId;
        return new NewEvent(EventIds.ForMessage(source, messageId), stream, type, m.ToJsonString(),
            JsonSerializer.Serialize(new { source, receivedAt = received }), received);
    }

    private static JsonNode? Node(object value) => JsonSerializer.SerializeToNode(value);
}

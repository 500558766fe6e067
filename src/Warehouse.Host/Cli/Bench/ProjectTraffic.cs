using System.Globalization;
using System.Text.Json.Nodes;
using Warehouse.EventStore;

namespace Warehouse.Host.Cli.Bench;

/// <summary>
/// Random but realistic tracker traffic in the stored event format (docs/event-format.md), for `bench project`
/// and the rebuild tests: visitors on one or two devices who may log in (identify before or after browsing, or an
/// event carrying both ids), aliases, campaigns or none, product views, carts, checkouts, orders with several lines
/// (some sent twice, some with an earlier time), refunds, catalogue upserts, and event times spread over 30 days so
/// that arrival order says little about event order. Deterministic for a given seed.
/// </summary>
internal static class ProjectTraffic
{
    private static readonly string[] Sources = ["google", "newsletter", "partner", " Facebook "];
    private static readonly string[] Mediums = ["cpc", "email", "referral", "Social"];

    public static List<NewEvent> Generate(int persons, int seed, DateTimeOffset start)
    {
        var rng = new Random(seed);
        var events = new List<NewEvent>(persons * 12);
        var run = seed.ToString(CultureInfo.InvariantCulture);
        for (var p = 0; p < persons; p++)
        {
            var person = $"{run}-{p}";
            var devices = Enumerable.Range(0, rng.Next(10) < 3 ? 2 : 1).Select(d => $"anon-{person}-{d}").ToArray();
            var userId = rng.Next(10) < 7 ? $"user-{person}" : null;
            var t = start.AddMinutes(rng.Next(30 * 24 * 60));
            var loggedIn = false;
            var actions = 6 + rng.Next(10);
            for (var a = 0; a < actions; a++)
            {
                t = t.AddMinutes(rng.Next(1, 600));
                var anon = devices[rng.Next(devices.Length)];
                var uid = loggedIn && rng.Next(2) == 0 ? userId : null;
                var aid = uid is null || rng.Next(3) == 0 ? anon : null;
                var roll = rng.Next(100);
                if (userId is not null && !loggedIn && roll < 15)
                {
                    events.Add(Message("identify", userId, anon, t, m => m["traits"] = new JsonObject { ["plan"] = rng.Next(2) == 0 ? "free" : "pro" }));
                    loggedIn = true;
                }
                else if (roll < 35)
                {
                    events.Add(Message("page", uid, aid, t, m =>
                    {
                        m["name"] = "Home";
                        var context = new JsonObject { ["page"] = new JsonObject { ["path"] = "/p" + rng.Next(20), ["referrer"] = "https://ref.example/" } };
                        if (rng.Next(3) == 0)
                            context["campaign"] = new JsonObject { ["source"] = Sources[rng.Next(Sources.Length)], ["medium"] = Mediums[rng.Next(Mediums.Length)], ["name"] = "c" + rng.Next(5) };
                        m["context"] = context;
                    }));
                }
                else if (roll < 75)
                {
                    var name = roll < 55 ? "Product Viewed" : roll < 65 ? "Product Added" : roll < 70 ? "Product Removed" : "Checkout Started";
                    events.Add(Track(uid, aid, t, name, new JsonObject
                    {
                        ["product_id"] = "p" + rng.Next(200), ["price"] = rng.Next(100, 10000) / 100m, ["quantity"] = 1 + rng.Next(3),
                    }));
                }
                else if (roll < 88)
                {
                    var orderId = $"o-{person}-{a}";
                    var lines = new JsonArray();
                    for (var l = rng.Next(4); l >= 0; l--)
                        lines.Add(new JsonObject { ["product_id"] = "p" + rng.Next(200), ["price"] = rng.Next(100, 10000) / 100m, ["quantity"] = 1 + rng.Next(2), ["name"] = "Product" });
                    var revenue = rng.Next(1000, 50000) / 100m;
                    events.Add(Track(uid, aid, t, "Order Completed", Order(orderId, revenue, lines)));
                    if (rng.Next(10) == 0) // a double-fired order, sometimes stamped earlier
                        events.Add(Track(uid, aid, t.AddSeconds(rng.Next(-30, 30)), "Order Completed", Order(orderId, revenue, lines.DeepClone().AsArray())));
                    if (rng.Next(15) == 0)
                        events.Add(Track(uid, aid, t.AddDays(2), "Order Refunded", new JsonObject { ["order_id"] = orderId, ["revenue"] = revenue, ["currency"] = "EUR" }));
                }
                else if (roll < 92 && userId is not null && loggedIn)
                {
                    events.Add(Message("alias", userId, null, t, m => m["previousId"] = devices[^1]));
                }
                else
                {
                    events.Add(Track(uid ?? (loggedIn ? userId : null), anon, t, "Signed Up", new JsonObject { ["plan"] = "x" }));
                }
            }
        }
        for (var i = 0; i < 40; i++)
            events.Add(Catalogue("p" + rng.Next(200), rng));
        return events.OrderBy(_ => rng.Next()).ToList();
    }

    private static JsonObject Order(string orderId, decimal revenue, JsonArray lines) =>
        new() { ["order_id"] = orderId, ["revenue"] = revenue, ["currency"] = "EUR", ["products"] = lines };

    private static NewEvent Track(string? userId, string? anonymousId, DateTimeOffset at, string name, JsonObject properties) =>
        Message("track", userId, anonymousId, at, m => { m["event"] = name; m["properties"] = properties; });

    private static NewEvent Catalogue(string productId, Random rng)
    {
        var data = new JsonObject { ["productId"] = productId, ["name"] = "Catalogue " + productId, ["price"] = rng.Next(100, 10000) / 100m, ["brand"] = "B" + rng.Next(5) };
        return new NewEvent(EventIds.ForMessage("catalogue", Guid.NewGuid().ToString()), "product:" + productId, "product_upserted",
            data.ToJsonString(), """{"source":"catalogue"}""", DateTimeOffset.UtcNow);
    }

    private static NewEvent Message(string type, string? userId, string? anonymousId, DateTimeOffset at, Action<JsonObject> fill)
    {
        var messageId = Guid.NewGuid().ToString();
        var m = new JsonObject
        {
            ["type"] = type, ["messageId"] = messageId,
            ["timestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        if (userId is not null) m["userId"] = userId;
        if (anonymousId is not null) m["anonymousId"] = anonymousId;
        fill(m);
        var stream = userId is not null ? "user:" + userId : "anon:" + anonymousId;
        return new NewEvent(EventIds.ForMessage("bench", messageId), stream, type, m.ToJsonString(), """{"source":"bench"}""", DateTimeOffset.UtcNow);
    }
}

using System.Globalization;
using Warehouse.EventStore;

namespace Warehouse.Host.Cli.Bench;

/// <summary>
/// Realistic Segment-like events for `bench append`: product views, cart changes, orders, pages and identifies with
/// a full context (library, page, user agent, campaign), about 500 bytes of JSON each, spread over one anonymous
/// stream per 20 events (so a 500-event batch touches hundreds of streams, as live traffic does). Deterministic
/// for a given seed.
/// </summary>
internal static class AppendBenchEvents
{
    private static readonly string[] Products = ["Trail Runner 2", "City Jacket", "Merino Socks", "Rain Shell", "Day Pack 20L", "Wool Beanie"];
    private static readonly string[] Campaigns = ["spring_sale", "retargeting", "newsletter_42", "brand"];
    private static readonly string[] Sources = ["google", "facebook", "newsletter", "bing"];

    public static NewEvent[] Generate(int count, int seed, IProgress<int>? progress = null)
    {
        var random = new Random(seed);
        var streams = Math.Max(1, count / 20);
        var receivedAt = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var events = new NewEvent[count];
        for (var i = 0; i < count; i++)
        {
            var user = random.Next(streams);
            var messageId = $"bench-{seed}-{i}";
            var at = receivedAt.AddMilliseconds(i * 37L);
            var (type, data) = Message(random, messageId, user, at);
            var headers = $$"""{"source":"bench","receivedAt":"{{Iso(at)}}","ip":"203.0.113.{{user % 250}}","userAgent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"}""";
            events[i] = new NewEvent(EventIds.ForMessage("bench", messageId), $"anon:a{user:D8}", type, data, headers, at);
            if (progress is not null && (i + 1) % 50_000 == 0) progress.Report(i + 1);
        }
        progress?.Report(count);
        return events;
    }

    private static (string Type, string Data) Message(Random random, string messageId, int user, DateTimeOffset at)
    {
        var context = $$$"""
            "context":{"library":{"name":"analytics.js","version":"5.2.0"},"page":{"path":"/p/{{{random.Next(900)}}}","referrer":"https://www.{{{Sources[user % 4]}}}.com/","title":"Gear"},"campaign":{"source":"{{{Sources[user % 4]}}}","medium":"cpc","name":"{{{Campaigns[user % 4]}}}"}}
            """;
        var roll = random.Next(100);
        var product = random.Next(Products.Length);
        var price = (19.9m + (product * 10.25m)).ToString(CultureInfo.InvariantCulture);
        var common = $$"""
            "messageId":"{{messageId}}","anonymousId":"a{{user:D8}}","timestamp":"{{Iso(at)}}","receivedAt":"{{Iso(at)}}",{{context}}
            """;
        if (roll < 8)
            return ("page", $$$"""{"type":"page","name":"Category","properties":{"path":"/c/{{{product}}}","url":"https://shop.example/c/{{{product}}}"},{{{common}}}}""");
        if (roll < 10)
            return ("identify", $$$"""{"type":"identify","userId":"u{{{user}}}","traits":{"email":"user{{{user}}}@example.com","plan":"free"},{{{common}}}}""");
        var name = roll < 70 ? "Product Viewed" : roll < 90 ? "Product Added" : "Order Completed";
        return ("track", $$$"""{"type":"track","event":"{{{name}}}","properties":{"product_id":"p{{{product}}}","sku":"SKU-{{{product:D5}}}","name":"{{{Products[product]}}}","price":{{{price}}},"currency":"EUR","quantity":{{{1 + random.Next(3)}}}},{{{common}}}}""");
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Generation;

/// <summary>The shop's pages. A landing page carries the campaign's utm_* in its query, as tagged links do.</summary>
internal static class Pages
{
    public const string Host = "https://shop.example.com";

    public static SimPage Home(string? search = null, string? referrer = null) => Make("/", "Home", search, referrer);

    public static SimPage Product(SimProduct p, string? search = null, string? referrer = null) =>
        Make($"/products/{p.ProductId}", p.Name, search, referrer);

    public static SimPage Category(string category, string? search = null, string? referrer = null) =>
        Make($"/c/{category.ToLowerInvariant()}", category, search, referrer);

    public static SimPage Content(Random random) => random.Next(4) switch
    {
        0 => Make("/search", "Search", "?q=gift", null),
        1 => Make("/about", "About us", null, null),
        2 => Make("/blog/spring-guide", "Spring guide", null, null),
        _ => Make("/help/shipping", "Shipping", null, null),
    };

    public static SimPage Cart() => Make("/cart", "Cart", null, null);

    public static SimPage Checkout() => Make("/checkout", "Checkout", null, null);

    public static string UtmQuery(SimCampaign c) =>
        $"?utm_source={Uri.EscapeDataString(c.Source)}&utm_medium={Uri.EscapeDataString(c.Medium)}&utm_campaign={Uri.EscapeDataString(c.Name)}";

    public static string? ReferrerFor(SimCampaign? c) => c?.NormalisedSource switch
    {
        "google" => "https://www.google.com/",
        "bing" => "https://www.bing.com/",
        "facebook" => "https://www.facebook.com/",
        "instagram" => "https://www.instagram.com/",
        "tiktok" => "https://www.tiktok.com/",
        "techblog" => "https://techblog.example.org/reviews",
        "dealfinder" => "https://dealfinder.example.net/deals",
        _ => null,
    };

    private static SimPage Make(string path, string title, string? search, string? referrer) =>
        new(path, title, Host + path + (search ?? ""), search ?? "", referrer);
}

using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Generation;

/// <summary>An acquisition channel and the UTM values its links carry; Direct carries none.</summary>
internal sealed record Channel(string Name, double Weight, IReadOnlyList<(string Source, string Medium)> Sources, IReadOnlyList<string> Campaigns)
{
    public bool IsDirect => Sources.Count == 0;

    /// <summary>Share of tagged links built by hand, with stray capitals and spaces.</summary>
    private const double SloppyLinkRate = 0.06;

    public SimCampaign? Draw(Random random)
    {
        if (IsDirect) return null;
        var (source, medium) = Sources[random.Next(Sources.Count)];
        var name = Campaigns[random.Next(Campaigns.Count)];
        if (random.NextDouble() < SloppyLinkRate) source = " " + char.ToUpperInvariant(source[0]) + source[1..] + " ";
        return new SimCampaign(source, medium, name);
    }
}

/// <summary>The mix of channels new visitors arrive through: paid search, social, newsletter, partners, direct.</summary>
internal static class Channels
{
    public static readonly Channel Direct = new("direct", 0.30, [], []);

    public static readonly IReadOnlyList<Channel> All =
    [
        Direct,
        new("paid search", 0.26, [("google", "cpc"), ("bing", "cpc")], ["brand_search", "generic_search", "spring_sale"]),
        new("social", 0.20, [("facebook", "paid_social"), ("instagram", "paid_social"), ("tiktok", "social")], ["spring_sale", "new_arrivals"]),
        new("newsletter", 0.10, [("newsletter", "email")], ["weekly_digest", "vip_offers"]),
        new("partner", 0.14, [("dealfinder", "affiliate"), ("techblog", "referral")], ["partner_program"]),
    ];

    private static readonly WeightedPicker<Channel> Picker = new(All.Select(c => (c, c.Weight)));

    public static Channel Pick(Random random) => Picker.Pick(random);
}

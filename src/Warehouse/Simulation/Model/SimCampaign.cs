namespace Warehouse.Simulation.Model;

/// <summary>
/// The UTM values as the tracker sends them in context.campaign (name = utm_campaign). Raw: some carry stray
/// case and spaces, as hand-built links do; the warehouse must normalise with lower(trim()).
/// </summary>
internal sealed record SimCampaign(string Source, string Medium, string Name)
{
    public string NormalisedSource => Normalise(Source);
    public string NormalisedMedium => Normalise(Medium);
    public string NormalisedName => Normalise(Name);

    public static string Normalise(string value) => value.Trim().ToLowerInvariant();
}

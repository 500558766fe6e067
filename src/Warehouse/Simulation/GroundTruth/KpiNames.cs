namespace Warehouse.Simulation.GroundTruth;

/// <summary>The warehouse's KPI names (GET /api/kpis/{name}) and the columns the ground truth checks.</summary>
internal static class KpiNames
{
    public const string Acquisition = "acquisition";
    public const string Conversion = "conversion";
    public const string Funnel = "funnel";
    public const string Retention = "retention";
    public const string ActiveUsers = "active-users";
    public const string OrderValue = "order-value";

    public static readonly IReadOnlyList<string> All = [Acquisition, Conversion, Funnel, Retention, ActiveUsers, OrderValue];

    /// <summary>First touch without a campaign (kpi-definitions.md: missing = (direct) / (none)).</summary>
    public const string DirectSource = "(direct)";
    public const string DirectMedium = "(none)";
    public const string DirectCampaign = "(direct)";

    /// <summary>Funnel window from the step-1 event, inclusive (kpi-definitions.md §2.1).</summary>
    public static readonly TimeSpan FunnelWindow = TimeSpan.FromDays(7);
}

using System.Globalization;

namespace Warehouse.Simulation.Verification;

/// <summary>One cell where the warehouse disagrees with the ground truth (or a column it does not report).</summary>
internal sealed record KpiDifference(string Kpi, string Key, string Column, decimal? Expected, decimal? Actual, string? Note = null)
{
    public override string ToString()
    {
        var where = Key.Length == 0 ? Kpi : $"{Kpi} [{Key}]";
        if (Note is not null) return $"{where} {Column}: {Note}";
        var delta = Expected is { } e && Actual is { } a ? $" ({(a - e >= 0 ? "+" : "")}{Format(a - e)})" : "";
        return $"{where} {Column}: expected {Format(Expected)}, warehouse {Format(Actual)}{delta}";
    }

    private static string Format(decimal? value) => value is { } v ? v.Normalize().ToString(CultureInfo.InvariantCulture) : "nothing";
}

internal static class DecimalExtensions
{
    /// <summary>Drops trailing zeros (12.5000 → 12.5) so numbers read the same whatever scale SQL gave them.</summary>
    public static decimal Normalize(this decimal value) => value / 1.000000000000000000000000000000000m;
}

namespace Warehouse.Kpis;

/// <summary>What a KPI is asked for. Null from/to = the function's default (the 90 days ending today in tz).</summary>
public sealed record KpiRequest(string Name, DateOnly? From = null, DateOnly? To = null, string TimeZone = "UTC",
    DateTimeOffset? AsOf = null);

/// <summary>
/// A KPI's answer: the resolved range, and rows as column name → value (long, decimal, double, string, bool,
/// DateOnly or null), in the SQL function's column order.
/// </summary>
public sealed record KpiResult(string Kpi, DateOnly From, DateOnly To, string TimeZone, DateTimeOffset? AsOf,
    IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<object?>> Rows)
{
    public IEnumerable<Dictionary<string, object?>> RowObjects() =>
        Rows.Select(r => Columns.Select((c, i) => (c, r[i])).ToDictionary(x => x.c, x => x.Item2));
}

/// <summary>A bad KPI name or parameter; the message says what is wrong and what is accepted.</summary>
public sealed class KpiArgumentException(string message) : Exception(message);

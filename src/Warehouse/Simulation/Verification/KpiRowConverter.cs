using System.Globalization;
using System.Text.Json;
using Warehouse.Simulation.GroundTruth;

namespace Warehouse.Simulation.Verification;

/// <summary>Puts the warehouse's KPI rows (from SQL or from the JSON API) into the ground truth's table shape.</summary>
internal static class KpiRowConverter
{
    public static KpiTable ToTable(KpiTable like, IEnumerable<IReadOnlyDictionary<string, object?>> rows)
    {
        var table = new KpiTable(like.Kpi, like.KeyColumns, like.Measures);
        foreach (var row in rows)
        {
            var key = like.KeyColumns.Select(c => KeyText(row.GetValueOrDefault(c))).ToArray();
            var target = table.Row(key);
            foreach (var m in like.Measures)
            {
                if (!row.TryGetValue(m, out var value)) continue;
                var number = Number(value);
                // Two rows with the same key (a view with extra key columns): add them up.
                target.Values[m] = target.Values.TryGetValue(m, out var existing) && existing is { } x && number is { } y ? x + y : number ?? existing;
            }
        }
        return table;
    }

    public static string KeyText(object? value) => value switch
    {
        null => "",
        DateOnly d => KpiTable.Day(d),
        DateTime dt => dt.TimeOfDay == TimeSpan.Zero ? KpiTable.Day(DateOnly.FromDateTime(dt)) : dt.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset dto => KpiTable.Day(DateOnly.FromDateTime(dto.DateTime)),
        JsonElement j => j.ValueKind switch
        {
            JsonValueKind.String => DateOnly.TryParseExact(j.GetString()!.Length >= 10 ? j.GetString()![..10] : j.GetString(), "yyyy-MM-dd", out var d)
                ? KpiTable.Day(d) : j.GetString()!.Trim(),
            JsonValueKind.Number => j.GetDecimal().Normalize().ToString(CultureInfo.InvariantCulture),
            JsonValueKind.Null => "",
            _ => j.GetRawText(),
        },
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!.Trim(),
    };

    public static decimal? Number(object? value) => value switch
    {
        null or DBNull => null,
        decimal d => d,
        long l => l,
        int i => i,
        short s => s,
        double x => (decimal)x,
        float f => (decimal)f,
        JsonElement { ValueKind: JsonValueKind.Number } j => j.GetDecimal(),
        JsonElement { ValueKind: JsonValueKind.String } j => decimal.Parse(j.GetString()!, CultureInfo.InvariantCulture),
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        string s => decimal.Parse(s, CultureInfo.InvariantCulture),
        _ => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
    };
}

using System.Globalization;

namespace Warehouse.Simulation.GroundTruth;

/// <summary>
/// One KPI's rows keyed by its key columns, with numeric measures: the shape both the ground truth and the
/// warehouse's answer are put into, so they compare cell by cell. A null measure means "not reported yet"
/// (a retention cell whose week is still open) and is not compared.
/// </summary>
internal sealed class KpiTable(string kpi, IReadOnlyList<string> keyColumns, IReadOnlyList<string> measures)
{
    private readonly SortedDictionary<string, KpiRow> _rows = new(StringComparer.Ordinal);

    public string Kpi { get; } = kpi;
    public IReadOnlyList<string> KeyColumns { get; } = keyColumns;
    public IReadOnlyList<string> Measures { get; } = measures;
    public IEnumerable<KpiRow> Rows => _rows.Values;

    public KpiRow? Find(string key) => _rows.GetValueOrDefault(key);

    public KpiRow Row(params string[] key)
    {
        if (key.Length != KeyColumns.Count) throw new ArgumentException($"{Kpi} has {KeyColumns.Count} key columns, got {key.Length}");
        var joined = string.Join('|', key);
        if (!_rows.TryGetValue(joined, out var row)) _rows[joined] = row = new KpiRow(joined, key);
        return row;
    }

    public void Add(string[] key, string measure, decimal value)
    {
        var row = Row(key);
        row.Values[measure] = (row.Values.GetValueOrDefault(measure) ?? 0) + value;
    }

    public void Set(string[] key, string measure, decimal? value) => Row(key).Values[measure] = value;

    /// <summary>The same measures summed over the given key columns only (for example new users by source).</summary>
    public KpiTable RollUp(string name, params string[] byColumns)
    {
        var positions = byColumns.Select(c => KeyColumns.ToList().IndexOf(c)).ToArray();
        var result = new KpiTable(name, byColumns, Measures);
        foreach (var row in Rows)
        foreach (var (measure, value) in row.Values)
            if (value is { } v) result.Add(positions.Select(p => row.Key[p]).ToArray(), measure, v);
        return result;
    }

    public static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    public static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}

internal sealed class KpiRow(string joinedKey, IReadOnlyList<string> key)
{
    public string JoinedKey { get; } = joinedKey;
    public IReadOnlyList<string> Key { get; } = key;
    public Dictionary<string, decimal?> Values { get; } = new(StringComparer.Ordinal);
}

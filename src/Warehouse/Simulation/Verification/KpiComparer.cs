using Warehouse.Simulation.GroundTruth;

namespace Warehouse.Simulation.Verification;

/// <summary>
/// Compares the ground truth with the warehouse's answer cell by cell. A row the warehouse leaves out counts as
/// zeros (views may skip empty groups); a null cell is "not reported yet" and is skipped; a measure column the
/// warehouse does not have at all is one difference, not one per row.
/// </summary>
internal static class KpiComparer
{
    public static IReadOnlyList<KpiDifference> Compare(KpiTable expected, KpiTable actual, ISet<string>? actualColumns = null)
    {
        var differences = new List<KpiDifference>();
        var measures = expected.Measures.ToList();
        if (actualColumns is not null && actual.Rows.Any())
        {
            foreach (var missing in measures.Where(m => !actualColumns.Contains(m)).ToList())
            {
                differences.Add(new KpiDifference(expected.Kpi, "", missing, null, null, "the warehouse does not report this column"));
                measures.Remove(missing);
            }
        }

        var keys = expected.Rows.Select(r => r.JoinedKey).Union(actual.Rows.Select(r => r.JoinedKey)).Order(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var e = expected.Find(key);
            var a = actual.Find(key);
            var keyValues = (e ?? a)!.Key;
            var description = string.Join(", ", expected.KeyColumns.Select((c, i) => $"{c}={keyValues[i]}"));
            foreach (var measure in measures)
            {
                var ev = e is null ? 0m : e.Values.GetValueOrDefault(measure) ?? 0m;
                decimal? av;
                if (a is null) av = 0m;
                else if (!a.Values.TryGetValue(measure, out av)) av = 0m;
                if (av is null) continue; // not reported yet (an open retention week): nothing to compare
                if (ev != av) differences.Add(new KpiDifference(expected.Kpi, description, measure, ev, av));
            }
        }
        return differences;
    }
}

using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Verification;

/// <summary>The result of --verify: every difference, and how many cells were compared.</summary>
internal sealed record VerificationReport(IReadOnlyList<KpiDifference> Differences, IReadOnlyDictionary<string, int> CellsCompared)
{
    public bool Matches => Differences.Count == 0;
}

/// <summary>
/// Compares the ground truth of a simulation with what the warehouse reports, KPI by KPI; headline roll-ups
/// first (new users by source, cohort sizes), then every detailed cell.
/// </summary>
internal static class GroundTruthVerifier
{
    public static async Task<VerificationReport> VerifyAsync(SimTraffic traffic, TruthWindow window, IKpiReader reader, CancellationToken ct)
    {
        var expected = GroundTruthCalculator.Compute(traffic.Events, window);
        var differences = new List<KpiDifference>();
        var cells = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (kpi, truth) in expected)
        {
            var answer = await reader.ReadAsync(kpi, window.From, window.To, window.TimeZone, ct);
            var actual = KpiRowConverter.ToTable(truth, answer.Rows);
            if (kpi == KpiNames.Acquisition)
                differences.AddRange(KpiComparer.Compare(truth.RollUp("new users by source", "source"), actual.RollUp("new users by source", "source")));
            differences.AddRange(KpiComparer.Compare(truth, actual, answer.Columns.ToHashSet(StringComparer.Ordinal)));
            cells[kpi] = truth.Rows.Sum(r => r.Values.Count);
        }
        return new VerificationReport(differences, cells);
    }
}

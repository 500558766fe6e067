using System.CommandLine;
using Warehouse.EventStore;
using Warehouse.Projections;
using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Model;
using Warehouse.Simulation.Verification;

namespace Warehouse.Host.Cli.Simulate;

/// <summary>--verify: wait for the projections, read the KPIs, print every difference; 0 only when all match.</summary>
internal static class SimulationVerification
{
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(ParseResult parse, SimTraffic traffic, TruthWindow window, string url, CancellationToken ct)
    {
        if (parse.GetValue(SimulateOptions.Token) is { } token)
        {
            using var http = SimulateCommand.NewClient(url);
            Console.Error.WriteLine("Waiting for the projections to catch up (GET /health)...");
            await HealthCatchUp.WaitAsync(http, CatchUpTimeout, ct);
            return Print(await GroundTruthVerifier.VerifyAsync(traffic, window, new HttpKpiReader(http, token), ct), window);
        }

        await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
        await using var dataSource = database.CreateDataSource("warehouse-simulate");
        Console.Error.WriteLine("Waiting for the projections to catch up...");
        await using (var store = new PostgresEventStore(dataSource))
            await new ProjectionStatus(dataSource, store).WaitForCatchUpAsync(CatchUpTimeout, ct);
        return Print(await GroundTruthVerifier.VerifyAsync(traffic, window, new DbKpiReader(dataSource), ct), window);
    }

    public static int Print(VerificationReport report, TruthWindow window, TextWriter? output = null)
    {
        output ??= Console.Out;
        var cells = report.CellsCompared.Values.Sum();
        var range = $"{window.From:yyyy-MM-dd}..{window.To:yyyy-MM-dd} in {window.TimeZone}";
        if (report.Matches)
        {
            output.WriteLine($"verify: the warehouse matches the ground truth ({cells} cells of {report.CellsCompared.Count} KPIs, {range}).");
            return 0;
        }
        foreach (var d in report.Differences) output.WriteLine("difference: " + d);
        output.WriteLine($"verify: {report.Differences.Count} differences from the ground truth ({cells} cells compared, {range}).");
        return 1;
    }
}

using System.CommandLine;
using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Model;
using Warehouse.Simulation.Verification;

namespace Warehouse.Host.Cli.Simulate;

/// <summary>--verify: wait for the projections, read the KPIs, print every difference; 0 only when all match.</summary>
internal static class SimulationVerification
{
    public static async Task<int> RunAsync(ParseResult parse, SimTraffic traffic, TruthWindow window, string url, ILogger logger, CancellationToken ct)
    {
        var token = parse.GetValue(SimulateOptions.Token);
        IKpiReader reader;
        using var http = SimulateCommand.NewClient(url);
        if (token is not null)
        {
            reader = new HttpKpiReader(http, token);
        }
        else
        {
            throw new CliUsageException("Reading KPIs from the database needs the KPI runner (issue 6); pass --token to read them over HTTP.");
        }
        _ = logger;
        var report = await GroundTruthVerifier.VerifyAsync(traffic, window, reader, ct);
        return Print(report, window);
    }

    public static int Print(VerificationReport report, TruthWindow window)
    {
        var cells = report.CellsCompared.Values.Sum();
        if (report.Matches)
        {
            Console.WriteLine($"verify: the warehouse matches the ground truth ({cells} cells over {report.CellsCompared.Count} KPIs, {window.From:yyyy-MM-dd}..{window.To:yyyy-MM-dd}, {window.TimeZone}).");
            return 0;
        }
        foreach (var d in report.Differences) Console.WriteLine("difference: " + d);
        Console.WriteLine($"verify: {report.Differences.Count} differences from the ground truth ({cells} cells compared, {window.From:yyyy-MM-dd}..{window.To:yyyy-MM-dd}, {window.TimeZone}).");
        return 1;
    }
}

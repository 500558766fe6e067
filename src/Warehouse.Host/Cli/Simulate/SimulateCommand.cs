using System.CommandLine;
using Warehouse.Simulation;
using Warehouse.Simulation.Delivery;
using Warehouse.Simulation.Generation;
using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Model;
using Warehouse.Simulation.Sending;

namespace Warehouse.Host.Cli.Simulate;

/// <summary>
/// `warehouse simulate`: realistic Segment traffic with a known right answer. Generates it from a seed, sends
/// it through the real HTTP ingestion (or writes it to a file), and with --verify compares the warehouse's
/// KPIs with the ground truth, printing every difference.
/// </summary>
public static class SimulateCommand
{
    public static Command Build()
    {
        var command = new Command("simulate",
            "Generate realistic Segment-spec tracker traffic (channels with UTM, sessions, carts, orders, returning " +
            "visitors, logins, second devices, delivery faults) from a seed and send it to the warehouse; --verify " +
            "checks the warehouse's KPIs against the ground truth.");
        foreach (var option in SimulateOptions.All) command.Options.Add(option);
        command.WithDatabaseOptions();
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var logger = CliLogging.Factory.CreateLogger("Warehouse.Simulate");
        var options = SimulateOptions.From(parse);
        var outPath = parse.GetValue(SimulateOptions.Out);
        var verify = parse.GetValue(SimulateOptions.Verify);
        var noSend = parse.GetValue(SimulateOptions.NoSend);
        if (outPath is not null && (verify || noSend)) throw new CliUsageException("--out writes a file and sends nothing, so it cannot be combined with --verify or --no-send.");
        if (noSend && !verify) throw new CliUsageException("--no-send only makes sense with --verify.");

        var traffic = TrafficGenerator.Generate(options);
        Console.Error.WriteLine(SimulationSummary.Describe(traffic));

        if (outPath is not null)
        {
            await TrafficFileWriter.WriteAsync(traffic, outPath, null, ct);
            Console.WriteLine($"Wrote {traffic.Deliveries.Count} messages to {outPath} and the catalogue to {TrafficFileWriter.CataloguePath(outPath)}.");
            return 0;
        }

        var url = parse.GetValue(SimulateOptions.Url)!;
        if (!noSend)
        {
            var writeKey = parse.GetValue(SimulateOptions.WriteKey)
                ?? throw new CliUsageException("--write-key is required to send (create a source with `warehouse sources add <name>`; it prints the key), or use --out to write a file.");
            if (options.EndInstant > DateTimeOffset.UtcNow)
                throw new CliUsageException($"The period ends {options.EndInstant:yyyy-MM-dd}, in the future: the warehouse would clamp future events to their arrival time. Choose an earlier --start or fewer --days.");
            using var http = NewClient(url);
            var sender = new SegmentHttpSender(http, writeKey, new SenderOptions(parse.GetValue(SimulateOptions.Rate), Concurrency: parse.GetValue(SimulateOptions.Concurrency)));
            await SendAsync(sender, traffic, logger, ct);
        }

        if (!verify) return 0;
        var window = new TruthWindow(options.Start, options.LastDay, parse.GetValue(SimulateOptions.TimeZone)!);
        return await SimulationVerification.RunAsync(parse, traffic, window, url, ct);
    }

    internal static HttpClient NewClient(string url) =>
        new() { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(100) };

    /// <summary>The catalogue first (so product events find their products), then the traffic in sending order.</summary>
    internal static async Task<SendReport> SendAsync(SegmentHttpSender sender, SimTraffic traffic, ILogger logger, CancellationToken ct)
    {
        await sender.SendCatalogueAsync(traffic.Catalogue, ct);
        var report = await ProgressDisplay.RunAsync("Sending events", traffic.Deliveries.Count, p => sender.SendAsync(traffic.Deliveries, p, ct), logger);
        Console.Error.WriteLine($"Sent {report.Events} messages in {report.Batches} batches in {report.Elapsed.TotalSeconds:F1} s " +
                                $"({report.Events / Math.Max(0.001, report.Elapsed.TotalSeconds):F0}/s), {report.Retries} retries.");
        if (report.Rejected > 0)
            Console.Error.WriteLine($"warning: the warehouse rejected {report.Rejected} messages, so --verify will differ; first reasons: {string.Join("; ", report.RejectReasons)}");
        return report;
    }
}

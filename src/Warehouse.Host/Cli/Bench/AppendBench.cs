using System.CommandLine;
using System.Globalization;

namespace Warehouse.Host.Cli.Bench;

/// <summary>`warehouse bench append`: event-store append throughput against the binary COPY ceiling (issue 3).</summary>
public static class AppendBench
{
    private static readonly Option<int> Events = new("--events")
    {
        Description = "Events to append per writer setting (about 500 bytes of JSON each).",
        DefaultValueFactory = _ => 1_000_000,
    };

    private static readonly Option<string> Writers = new("--writers")
    {
        Description = "Concurrent writers, a comma-separated list; each setting is one run on an emptied store.",
        DefaultValueFactory = _ => "1,8",
    };

    private static readonly Option<int> Batch = new("--batch")
    {
        Description = "Events per AppendAsync call (and per COPY transaction of the ceiling).",
        DefaultValueFactory = _ => 500,
    };

    public static Command Build()
    {
        var command = new Command("append",
            "Append realistic events through the event store (group commit, fsync on) in a scratch database, and measure " +
            "binary COPY of the same rows as the ceiling. Prints events/s, the ratio, p50/p99 batch latency and bytes/event; " +
            "last line: 'append: <events/s> events/s, <ratio> of COPY ceiling'.")
        { Events, Writers, Batch };
        command.WithDatabaseOptions();
        command.SetAction(async (parse, ct) =>
        {
            var settings = new AppendBenchSettings(parse.GetValue(Events), ParseWriters(parse.GetValue(Writers) ?? "1,8"), parse.GetValue(Batch));
            if (settings.Events <= 0 || settings.Batch <= 0)
                throw new CliUsageException("--events and --batch must be positive, e.g. --events 100000 --batch 500");
            await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
            await AppendBenchRunner.RunAsync(database.ConnectionString, settings, Console.Out, ct);
            return 0;
        });
        return command;
    }

    private static int[] ParseWriters(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var writers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out writers[i]) || writers[i] <= 0)
                throw new CliUsageException($"--writers takes positive whole numbers separated by commas, e.g. 1,8; '{parts[i]}' is not one");
        }
        return writers.Length > 0 ? writers : throw new CliUsageException("--writers needs at least one number, e.g. 1,8");
    }
}

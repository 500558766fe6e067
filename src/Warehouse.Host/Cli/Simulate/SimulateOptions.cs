using System.CommandLine;
using System.Globalization;
using Warehouse.Simulation;

namespace Warehouse.Host.Cli.Simulate;

/// <summary>The options of `warehouse simulate`, and how they become <see cref="SimulationOptions"/>.</summary>
internal static class SimulateOptions
{
    public static readonly Option<int> Users = new("--users") { Description = "People who arrive during the period.", DefaultValueFactory = _ => 1000 };
    public static readonly Option<int> Days = new("--days") { Description = "Days of traffic.", DefaultValueFactory = _ => 30 };
    public static readonly Option<string?> Start = new("--start") { Description = "First day, yyyy-MM-dd (UTC; default: so the period ends yesterday)." };
    public static readonly Option<int> Seed = new("--seed") { Description = "Random seed: the same seed gives the same traffic, byte for byte.", DefaultValueFactory = _ => 1 };
    public static readonly Option<int> Products = new("--products") { Description = "Products in the catalogue.", DefaultValueFactory = _ => 150 };
    public static readonly Option<string> Url = new("--url") { Description = "The warehouse's ingestion address.", DefaultValueFactory = _ => ServeCommand.DefaultUrls };
    public static readonly Option<string?> WriteKey = new("--write-key") { Description = "Write key of a source (`warehouse sources add <name>` prints one)." };
    public static readonly Option<double?> Rate = new("--rate") { Description = "Send at most this many events a second (default: as fast as accepted)." };
    public static readonly Option<int> Concurrency = new("--concurrency") { Description = "Batches in flight at once.", DefaultValueFactory = _ => 4 };
    public static readonly Option<string?> Out = new("--out") { Description = "Write the traffic to this JSON-lines file (and the catalogue beside it) instead of sending it." };
    public static readonly Option<bool> Verify = new("--verify") { Description = "After sending, wait until the projections caught up and compare the warehouse's KPIs with the ground truth; exit 1 on any difference." };
    public static readonly Option<bool> NoSend = new("--no-send") { Description = "With --verify: send nothing, only compare (after a rebuild or a model change)." };
    public static readonly Option<string> TimeZone = new("--tz") { Description = "Reporting time zone for --verify (IANA name).", DefaultValueFactory = _ => "UTC" };
    public static readonly Option<string?> Token = new("--token") { Description = "With --verify: read KPIs through GET /api/kpis with this bearer token instead of from the database." };
    public static readonly Option<double> DuplicateRate = new("--duplicate-rate") { Description = "Share of messages delivered twice (same messageId).", DefaultValueFactory = _ => FaultRates.Default.Duplicate };
    public static readonly Option<double> LateRate = new("--late-rate") { Description = "Share of messages delivered 1 hour to 3 days late.", DefaultValueFactory = _ => FaultRates.Default.Late };
    public static readonly Option<double> SkewRate = new("--clock-skew-rate") { Description = "Share of devices whose clock is off by 2 minutes to 6 hours.", DefaultValueFactory = _ => FaultRates.Default.ClockSkew };
    public static readonly Option<double> DoubleOrderRate = new("--double-order-rate") { Description = "Share of orders whose Order Completed fires twice (new messageId, same order_id).", DefaultValueFactory = _ => FaultRates.Default.DoubleFiredOrder };

    public static IEnumerable<Option> All =>
    [
        Users, Days, Start, Seed, Products, Url, WriteKey, Rate, Concurrency, Out, Verify, NoSend, TimeZone, Token,
        DuplicateRate, LateRate, SkewRate, DoubleOrderRate,
    ];

    public static SimulationOptions From(ParseResult parse)
    {
        var days = parse.GetValue(Days);
        DateOnly start;
        if (parse.GetValue(Start) is { Length: > 0 } text)
        {
            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out start))
                throw new CliUsageException($"--start must be a date like 2026-09-01, not '{text}'.");
        }
        else
        {
            start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-days);
        }
        var options = new SimulationOptions
        {
            Users = parse.GetValue(Users),
            Days = days,
            Start = start,
            Seed = parse.GetValue(Seed),
            Products = parse.GetValue(Products),
            Faults = new FaultRates(parse.GetValue(DuplicateRate), parse.GetValue(LateRate), parse.GetValue(SkewRate), parse.GetValue(DoubleOrderRate)),
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new CliUsageException(e.Message); }
        return options;
    }
}

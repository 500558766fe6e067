using System.CommandLine;
using Spectre.Console;

namespace Warehouse.Host.Cli.Demo;

/// <summary>
/// `warehouse demo`: the whole pipeline on screen in one command. Embedded PostgreSQL, migrate, serve, a demo
/// source, about 60 days of simulated traffic through the real HTTP ingestion, projections caught up, a KPI
/// summary checked against the ground truth, then the URLs, serving until Ctrl+C.
/// </summary>
public static class DemoCommand
{
    private static readonly Option<string> Urls = new("--urls") { Description = "Where to serve.", DefaultValueFactory = _ => ServeCommand.DefaultUrls };
    private static readonly Option<int> Users = new("--users") { Description = "People in the simulated traffic.", DefaultValueFactory = _ => DemoSettings.DefaultUsers };
    private static readonly Option<int> Days = new("--days") { Description = "Days of simulated traffic, ending yesterday.", DefaultValueFactory = _ => DemoSettings.DefaultDays };
    private static readonly Option<int> Seed = new("--seed") { Description = "Random seed of the traffic.", DefaultValueFactory = _ => 42 };
    private static readonly Option<bool> Exit = new("--exit") { Description = "Stop after the summary instead of serving (for scripts)." };

    public static Command Build()
    {
        var command = new Command("demo",
            "Run the whole warehouse on an embedded PostgreSQL with simulated traffic: migrate, serve, send ~60 days of " +
            "Segment events for a few thousand users, wait for the projections, print a KPI summary (checked against the " +
            "simulation's ground truth) and the API URLs, then serve until Ctrl+C. Uses its own database (warehouse_demo), " +
            "re-created on every run.")
        { Urls, Users, Days, Seed, Exit };
        command.WithDatabaseOptions();
        command.SetAction(async (parse, ct) =>
        {
            var settings = new DemoSettings(parse.GetValue(Urls)!, parse.GetValue(Users), parse.GetValue(Days), parse.GetValue(Seed), parse.GetValue(Exit));
            return await DemoRunner.RunAsync(parse, settings, AnsiConsole.Console, ct);
        });
        return command;
    }
}

/// <param name="ExitAfterSummary">Return after the summary instead of serving until Ctrl+C.</param>
internal sealed record DemoSettings(string Urls, int Users, int Days, int Seed, bool ExitAfterSummary)
{
    public const int DefaultUsers = 2000;
    public const int DefaultDays = 60;
    public const string DatabaseName = "warehouse_demo";
}

using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Warehouse.Database;
using Warehouse.EventStore;
using Warehouse.Projections;
using Warehouse.Projections.Rebuild;

namespace Warehouse.Host.Cli;

/// <summary>`warehouse projections status|rebuild`: how far the star schema is behind the event store, and a full replay.</summary>
public static class ProjectionsCommand
{
    public static Command Build()
    {
        var projections = new Command("projections", "Inspect or rebuild the star schema the projection daemon maintains.");

        var status = new Command("status", "Print the checkpoint, the event store's high-water mark, the lag (events and seconds) and dead letters.");
        status.WithDatabaseOptions();
        status.SetAction(StatusAsync);

        var rebuild = new Command("rebuild", "Replay every event into fresh tables and swap them in atomically (readers see the old " +
                                             "tables until then); events arriving meanwhile are not lost. Safe while `serve` runs.");
        rebuild.WithDatabaseOptions();
        rebuild.SetAction(RebuildAsync);

        projections.Subcommands.Add(status);
        projections.Subcommands.Add(rebuild);
        return projections;
    }

    private static async Task<int> StatusAsync(ParseResult parse, CancellationToken ct)
    {
        var (database, services) = await ProjectionsCli.OpenAsync(parse, ct);
        await using var _ = database;
        await using var __ = services;
        var lag = await services.GetRequiredService<ProjectionStatus>().GetAsync(ct);
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"checkpoint:       {lag.Checkpoint}"));
        Console.WriteLine(string.Create(c, $"high-water mark:  {lag.SafeHighWater} (newest allocated {lag.Newest})"));
        Console.WriteLine(string.Create(c, $"lag:              {lag.LagEvents} events, {lag.LagSeconds:0.000} s"));
        Console.WriteLine(string.Create(c, $"last advanced:    {lag.CheckpointUpdatedAt:O}"));
        var hint = lag.DeadLetters > 0 ? " (see warehouse.projection_dead_letters; fix, then `warehouse projections rebuild`)" : "";
        Console.WriteLine(string.Create(c, $"dead letters:     {lag.DeadLetters}{hint}"));
        return 0;
    }

    private static async Task<int> RebuildAsync(ParseResult parse, CancellationToken ct)
    {
        var (database, services) = await ProjectionsCli.OpenAsync(parse, ct);
        await using var _ = database;
        await using var __ = services;
        var rebuild = new ProjectionRebuild(
            services.GetRequiredService<Npgsql.NpgsqlDataSource>(), services.GetRequiredService<IEventStore>(),
            services.GetServices<IStarSchemaListener>(), services.GetRequiredService<ProjectionOptions>(),
            services.GetRequiredService<DatabaseOptions>().ReadOnlyRole, CliLogging.Factory);
        var report = await RunWithProgressAsync(rebuild, ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Rebuilt the star schema from {report.Events} events (checkpoint {report.Checkpoint}, {report.DeadLetters} dead letters): " +
            $"{report.EventsPerSecond:0} events/s replay on {report.Workers} connection(s), {report.TotalSeconds:0.0} s in all."));
        return 0;
    }

    internal static async Task<RebuildReport> RunWithProgressAsync(ProjectionRebuild rebuild, CancellationToken ct)
    {
        if (!ProjectionsCli.IsInteractive)
        {
            var last = DateTime.MinValue;
            var lines = new Progress<RebuildProgress>(p =>
            {
                if (DateTime.UtcNow - last < TimeSpan.FromSeconds(2) && p.Position < p.Target) return;
                last = DateTime.UtcNow;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"rebuild: sequence {p.Position}/{p.Target}, {p.Events} events, {p.EventsPerSecond:0} events/s"));
            });
            return await rebuild.RunAsync(lines, ct);
        }
        RebuildReport? report = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("replaying events", maxValue: 1);
                var bar = new Progress<RebuildProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Target);
                    task.Value = p.Position;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"replaying events ({p.EventsPerSecond:0} events/s)");
                });
                report = await rebuild.RunAsync(bar, ct);
                task.Value = task.MaxValue;
            });
        return report!;
    }
}

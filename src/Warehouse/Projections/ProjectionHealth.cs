using Npgsql;
using Warehouse.Health;

namespace Warehouse.Projections;

/// <summary>The "projections" section of /health: lag in events and seconds, dead letters.</summary>
internal sealed class ProjectionHealth(ProjectionStatus status, ProjectionOptions options) : IHealthContributor
{
    public string Name => "projections";

    public async Task<HealthSection> CheckAsync(CancellationToken ct)
    {
        try
        {
            var lag = await status.GetAsync(ct);
            var healthy = lag.LagSeconds <= options.MaxHealthyLagSeconds;
            return new HealthSection(healthy, new
            {
                status = healthy ? "ok" : "lagging",
                checkpoint = lag.Checkpoint,
                highWaterMark = lag.SafeHighWater,
                lagEvents = lag.LagEvents,
                lagSeconds = Math.Round(lag.LagSeconds, 3),
                deadLetters = lag.DeadLetters,
                message = healthy
                    ? $"{lag.LagEvents} events behind"
                    : $"the oldest unprojected event is {lag.LagSeconds:0} s old (limit {options.MaxHealthyLagSeconds:0} s): " +
                      "check that a `warehouse serve` with the daemon is running, and its log for errors",
            });
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return new HealthSection(false, new { status = "unknown", message = $"cannot read projection state: {e.Message}" });
        }
    }
}

using System.Diagnostics;
using Spectre.Console;
using Warehouse.Simulation.Sending;

namespace Warehouse.Host.Cli.Simulate;

/// <summary>
/// Long sends show progress: a Spectre.Console progress bar on a terminal, a structured log line every two
/// seconds otherwise (CI, files).
/// </summary>
internal static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(string description, int total, Func<IProgress<SendProgress>, Task<T>> work, ILogger logger)
    {
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            T result = default!;
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(description, maxValue: Math.Max(1, total));
                    result = await work(new Immediate(p => { task.Value = p.Sent; task.Description = p.Retries > 0 ? $"{description} ({p.Retries} retries)" : description; }));
                    task.Value = task.MaxValue;
                });
            return result;
        }

        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        var gate = new Lock();
        return await work(new Immediate(p =>
        {
            lock (gate)
            {
                if (clock.Elapsed - last < TimeSpan.FromSeconds(2) && p.Sent < p.Total) return;
                last = clock.Elapsed;
            }
            logger.LogInformation("{Description}: {Sent} of {Total} events ({Percent:F0}%), {Retries} retries",
                description, p.Sent, p.Total, p.Total == 0 ? 100 : 100.0 * p.Sent / p.Total, p.Retries);
        }));
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to a thread pool and lag behind).</summary>
    private sealed class Immediate(Action<SendProgress> report) : IProgress<SendProgress>
    {
        public void Report(SendProgress value) => report(value);
    }
}

using System.Diagnostics;
using Spectre.Console;

namespace Warehouse.Host.Cli.Bench;

/// <summary>
/// Progress of one long bench phase: a Spectre.Console bar on a terminal, otherwise a line on stderr every two
/// seconds (and at the end), so a redirected run still shows it is alive.
/// </summary>
internal static class BenchProgress
{
    public static async Task RunAsync(string label, int total, Func<IProgress<int>, Task> work)
    {
        if (!Console.IsOutputRedirected && !Console.IsErrorRedirected)
        {
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total);
                await work(new Sink(done => task.Value = done));
                task.Value = total;
            });
            return;
        }
        var clock = Stopwatch.StartNew();
        var lastPrinted = TimeSpan.Zero;
        var gate = new Lock();
        await work(new Sink(done =>
        {
            lock (gate)
            {
                if (clock.Elapsed - lastPrinted < TimeSpan.FromSeconds(2) && done < total) return;
                lastPrinted = clock.Elapsed;
                Console.Error.WriteLine($"{label}: {done:N0}/{total:N0} ({100.0 * done / Math.Max(1, total):F0}%, {clock.Elapsed.TotalSeconds:F1} s)");
            }
        }));
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool out of order).</summary>
    private sealed class Sink(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}

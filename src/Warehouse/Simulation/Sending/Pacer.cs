using System.Diagnostics;

namespace Warehouse.Simulation.Sending;

/// <summary>Keeps a sender under N events a second across concurrent workers (a schedule, not a sleep per event).</summary>
internal sealed class Pacer(double? eventsPerSecond)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private double _scheduled;

    public Task WaitAsync(int events, CancellationToken ct)
    {
        if (eventsPerSecond is not { } rate || rate <= 0) return Task.CompletedTask;
        TimeSpan wait;
        lock (_gate)
        {
            var due = TimeSpan.FromSeconds(_scheduled / rate);
            _scheduled += events;
            wait = due - _clock.Elapsed;
        }
        return wait > TimeSpan.Zero ? Task.Delay(wait, ct) : Task.CompletedTask;
    }
}

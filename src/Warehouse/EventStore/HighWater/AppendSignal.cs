using Microsoft.Extensions.Logging;
using Npgsql;

namespace Warehouse.EventStore;

/// <summary>
/// Wakes tailers when events may have been appended: by this process's writer directly, and by any process through
/// LISTEN on 'wh_events_appended' (events.wh_reserve notifies; PostgreSQL delivers it on commit). A wake-up is a
/// hint, not a guarantee (the mark may still be held by another open transaction), so waiters also re-check on a
/// poll interval; a lost connection only costs latency.
/// </summary>
internal sealed partial class AppendSignal(NpgsqlDataSource dataSource, TimeSpan retryDelay, ILogger logger) : IAsyncDisposable
{
    public const string Channel = "wh_events_appended";
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _listener;
    private int _started;

    /// <summary>Completes at the next wake-up after this call. Take it BEFORE checking, so no wake-up is lost between.</summary>
    public Task Next
    {
        get
        {
            if (Interlocked.Exchange(ref _started, 1) == 0) _listener = Task.Run(ListenAsync);
            return Volatile.Read(ref _current).Task;
        }
    }

    public void Pulse() =>
        Interlocked.Exchange(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task ListenAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(ct);
                conn.Notification += (_, _) => Pulse();
                await using (var listen = new NpgsqlCommand($"listen {Channel}", conn))
                    await listen.ExecuteNonQueryAsync(ct);
                Pulse(); // anything committed while we were not listening
                while (true) await conn.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogListenFailed(logger, e.Message, retryDelay.TotalMilliseconds);
                try { await Task.Delay(retryDelay, ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listener is not null) await _listener;
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "LISTEN for appended events failed ({Error}); tailers fall back to polling, reconnecting in {DelayMs} ms")]
    private static partial void LogListenFailed(ILogger logger, string error, double delayMs);
}

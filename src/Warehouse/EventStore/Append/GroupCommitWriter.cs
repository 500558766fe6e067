using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Warehouse.EventStore;

/// <summary>
/// Group commit: concurrent AppendAsync calls queue here and one background writer merges whatever is queued into
/// a single transaction (one fsync for all of them). A call completes only after the COMMIT of the transaction
/// that carried it returned, i.e. with PostgreSQL's default synchronous_commit, after the WAL is flushed.
/// One writer is one lane: <see cref="PostgresEventStore"/> runs several, each owning a disjoint set of streams, so
/// their transactions never wait on each other's stream locks and use several cores.
/// </summary>
internal sealed partial class GroupCommitWriter : IAsyncDisposable
{
    private const int UniqueViolationRetries = 3;

    /// <summary>How long a lane keeps its connection with nothing queued (see <see cref="WaitForCallsAsync"/>).</summary>
    internal static readonly TimeSpan IdleConnectionGrace = TimeSpan.FromMilliseconds(500);
    private readonly NpgsqlDataSource _dataSource;
    private readonly EventStoreOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly AppendBudget _budget;
    private readonly Task _loop;

    // The lane's connection, kept open from one transaction to the next while calls keep queueing (only the writer
    // loop touches it). Returned to the pool, a connection is reset (DISCARD ALL), which also throws away the
    // backend's cached plans: under load wh_reserve's query and the foreign-key check were planned again for every
    // transaction. When the queue has been empty for a moment it goes back to the pool, so an idle (or never
    // disposed) store holds no connection.
    private NpgsqlConnection? _connection;

    public GroupCommitWriter(NpgsqlDataSource dataSource, EventStoreOptions options, AppendBudget budget, EventStoreStats stats, ILogger logger)
    {
        _dataSource = dataSource;
        _options = options;
        _budget = budget;
        Stats = stats;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Raised after every commit (in-process tailers wake up).</summary>
    public event Action? Committed;

    public EventStoreStats Stats { get; }

    /// <summary>Queues events whose budget the caller already reserved; the writer releases it when they are done.</summary>
    public PendingAppend Enqueue(IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        var pending = new PendingAppend(events, ct);
        if (!_queue.Writer.TryWrite(pending))
        {
            _budget.Release(events.Count);
            throw new ObjectDisposedException(nameof(PostgresEventStore), "The event store is shutting down; retry against a running instance.");
        }
        return pending;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<PendingAppend>();
        while (await WaitForCallsAsync(reader))
        {
            batch.Clear();
            var events = 0;
            while (events < _options.MaxEventsPerTransaction && reader.TryRead(out var pending))
            {
                if (pending.CallerToken.IsCancellationRequested)
                {
                    // Not started yet: drop it, so a caller who gave up does not find its events stored later.
                    Release(pending);
                    pending.Cancel();
                    continue;
                }
                batch.Add(pending);
                events += pending.Events.Count;
            }
            if (batch.Count == 0) continue;
            try
            {
                await WriteBatchAsync(batch, events);
            }
            finally
            {
                foreach (var pending in batch) Release(pending);
            }
        }
    }

    /// <summary>
    /// Waits for queued calls. While the lane has its connection it keeps it for <see cref="IdleConnectionGrace"/>
    /// of an empty queue: under steady load the queue runs empty between nearly every pair of transactions (the
    /// callers of the one that just committed are still turning its answer into their next call), and handing the
    /// connection back each time reset it (DISCARD ALL, so PostgreSQL planned wh_reserve's query and the foreign-key
    /// check again) and spread the lane over a dozen backends. An idle lane still gives its connection back.
    /// </summary>
    private async ValueTask<bool> WaitForCallsAsync(ChannelReader<PendingAppend> reader)
    {
        if (_connection is not null && !reader.TryPeek(out _))
        {
            using var grace = new CancellationTokenSource(IdleConnectionGrace);
            try
            {
                return await reader.WaitToReadAsync(grace.Token);
            }
            catch (OperationCanceledException) when (grace.IsCancellationRequested)
            {
                DropConnection();
            }
        }
        return await reader.WaitToReadAsync();
    }

    private void Release(PendingAppend pending) => _budget.Release(pending.Events.Count);

    private async Task WriteBatchAsync(List<PendingAppend> batch, int eventCount)
    {
        var all = batch.Count == 1 ? batch[0].Events : Concatenate(batch, eventCount);
        try
        {
            var results = await CommitAsync(all);
            var offset = 0;
            foreach (var pending in batch)
            {
                pending.Succeed(results.AsSpan(offset, pending.Events.Count));
                offset += pending.Events.Count;
            }
            Stats.CountTransaction(batch.Count, eventCount);
        }
        catch (Exception e) when (batch.Count > 1)
        {
            // One caller's bad data must not fail its neighbours: nothing of the shared transaction was committed,
            // so run each caller alone; only the culprit sees the exception.
            LogSharedTransactionFailed(_logger, batch.Count, e.Message);
            Stats.CountSplit();
            foreach (var pending in batch) await WriteAloneAsync(pending);
        }
        catch (Exception e)
        {
            batch[0].Fail(e);
        }
    }

    private async Task WriteAloneAsync(PendingAppend pending)
    {
        try
        {
            var results = await CommitAsync(pending.Events);
            pending.Succeed(results);
            Stats.CountTransaction(1, pending.Events.Count);
        }
        catch (Exception e)
        {
            pending.Fail(e);
        }
    }

    private async Task<AppendedEvent[]> CommitAsync(IReadOnlyList<NewEvent> events)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CommitOnceAsync(events);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation
                                              && e.ConstraintName == "idx_mt_events_event_id" && attempt < UniqueViolationRetries)
            {
                // Another process committed one of these ids after our duplicate check read: run again, and the
                // check now sees it and reports a duplicate (first write wins).
                Stats.CountRetry();
            }
            catch (Exception e) when (e is not PostgresException)
            {
                // I/O, timeout, a dropped server: the connection is not trusted again; the next transaction opens a
                // fresh one. (After an error PostgreSQL reported, the rolled-back connection is fine to reuse.)
                DropConnection();
                throw;
            }
        }
    }

    private async Task<AppendedEvent[]> CommitOnceAsync(IReadOnlyList<NewEvent> events)
    {
        var conn = await ConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var results = await AppendTransaction.WriteAsync(conn, events, CancellationToken.None);
        await tx.CommitAsync();
        Committed?.Invoke();
        return results;
    }

    private async Task<NpgsqlConnection> ConnectionAsync()
    {
        if (_connection is { State: System.Data.ConnectionState.Open } open) return open;
        DropConnection(); // closed or broken (e.g. the server ended the session): start over
        return _connection = await _dataSource.OpenConnectionAsync();
    }

    private void DropConnection()
    {
        var connection = _connection;
        _connection = null;
        connection?.Dispose();
    }

    private static List<NewEvent> Concatenate(List<PendingAppend> batch, int eventCount)
    {
        var all = new List<NewEvent>(eventCount);
        foreach (var pending in batch) all.AddRange(pending.Events);
        return all;
    }

    public async ValueTask DisposeAsync()
    {
        // Finish what was accepted (its callers are waiting for a durable answer), then stop.
        _queue.Writer.TryComplete();
        await _loop;
        if (_connection is not null) await _connection.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A shared append transaction of {Calls} calls failed ({Error}); retrying each call alone so only the culprit fails")]
    private static partial void LogSharedTransactionFailed(ILogger logger, int calls, string error);
}

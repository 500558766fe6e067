using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Warehouse.EventStore;

/// <summary>
/// The event store on PostgreSQL (Marten 9 layout, schema events). Appends go through group commit
/// (<see cref="GroupCommitWriter"/>: set-based, one transaction for many concurrent callers, bounded queue);
/// reads are gated by the xid-based safe high-water mark (<see cref="HighWaterTracker"/>). One instance per
/// process (a DI singleton): the writer and the tracker hold state.
/// </summary>
public sealed class PostgresEventStore : IEventStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly EventStoreOptions _options;
    private readonly GroupCommitWriter _writer;
    private readonly HighWaterTracker _highWater;
    private readonly AppendSignal _signal;

    public PostgresEventStore(NpgsqlDataSource dataSource) : this(dataSource, new EventStoreOptions(), NullLogger<PostgresEventStore>.Instance)
    {
    }

    public PostgresEventStore(NpgsqlDataSource dataSource, EventStoreOptions options, ILogger<PostgresEventStore> logger)
    {
        _dataSource = dataSource;
        _options = options;
        _writer = new GroupCommitWriter(dataSource, options, logger);
        _highWater = new HighWaterTracker(dataSource);
        _signal = new AppendSignal(dataSource, options.PollInterval, logger);
        _writer.Committed += _signal.Pulse;
    }

    /// <summary>What the group-commit writer did since start (transactions, merged calls, splits, overloads).</summary>
    public EventStoreStats Stats => _writer.Stats;

    public async Task<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return new AppendResult(AppendStatus.Committed, []);
        ct.ThrowIfCancellationRequested();
        var pending = _writer.TryEnqueue(events, ct);
        if (pending is null) return AppendResult.Overloaded;
        // A caller that stops waiting after the writer took its events does not undo them: they may be committed.
        // Retrying is safe (same ids → duplicates).
        return await pending.Task.WaitAsync(ct);
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadForwardAsync(long afterSequence, int max, CancellationToken ct = default)
    {
        var safe = (await _highWater.GetAsync(ct)).Safe;
        if (safe <= afterSequence || max <= 0) return [];
        await using var conn = await _dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"""
            select {Columns} from events.mt_events
            where seq_id > $1 and seq_id <= $2 order by seq_id limit $3
            """, conn);
        cmd.Parameters.Add(new() { Value = afterSequence });
        cmd.Parameters.Add(new() { Value = safe });
        cmd.Parameters.Add(new() { Value = max });
        return await ReadAllAsync(cmd, ct);
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, CancellationToken ct = default)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"select {Columns} from events.mt_events where stream_id = $1 order by version", conn);
        cmd.Parameters.Add(new() { Value = streamId });
        return await ReadAllAsync(cmd, ct);
    }

    public Task<HighWaterMark> GetHighWaterMarkAsync(CancellationToken ct = default) => _highWater.GetAsync(ct);

    public async Task<HighWaterMark> WaitForEventsAsync(long afterSequence, TimeSpan maxWait, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + maxWait;
        while (true)
        {
            var wakeUp = _signal.Next;
            var mark = await _highWater.GetAsync(ct);
            var left = deadline - DateTime.UtcNow;
            if (mark.Safe > afterSequence || left <= TimeSpan.Zero) return mark;
            var wait = left < _options.PollInterval ? left : _options.PollInterval;
            await Task.WhenAny(wakeUp, Task.Delay(wait, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    private const string Columns = "seq_id, id, stream_id, version, type, data::text, headers::text, timestamp";

    private static async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<StoredEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new StoredEvent(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3),
                reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                new DateTimeOffset(reader.GetDateTime(7), TimeSpan.Zero)));
        }
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _signal.DisposeAsync();
    }
}

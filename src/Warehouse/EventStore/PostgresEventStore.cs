using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Warehouse.EventStore;

/// <summary>
/// The event store on PostgreSQL (Marten 9 layout, schema events). Appends go through group commit
/// (<see cref="GroupCommitWriter"/>: set-based, one transaction for many concurrent callers, bounded queue; several
/// lanes, each owning a share of the streams, so that transactions run on several cores without lock waits);
/// reads are gated by the xid-based safe high-water mark (<see cref="HighWaterTracker"/>). One instance per
/// process (a DI singleton): the writer and the tracker hold state.
/// </summary>
public sealed class PostgresEventStore : IEventStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly EventStoreOptions _options;
    private readonly GroupCommitWriter[] _lanes;
    private readonly AppendBudget _budget;
    private readonly HighWaterTracker _highWater;
    private readonly AppendSignal _signal;

    public PostgresEventStore(NpgsqlDataSource dataSource) : this(dataSource, new EventStoreOptions(), NullLogger<PostgresEventStore>.Instance)
    {
    }

    public PostgresEventStore(NpgsqlDataSource dataSource, EventStoreOptions options, ILogger<PostgresEventStore> logger)
    {
        _dataSource = dataSource;
        _options = options;
        _budget = new AppendBudget(options.MaxQueuedEvents);
        _lanes = new GroupCommitWriter[Math.Max(1, options.WriterLanes)];
        _highWater = new HighWaterTracker(dataSource);
        _signal = new AppendSignal(dataSource, options.PollInterval, logger);
        for (var i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = new GroupCommitWriter(dataSource, options, _budget, Stats, logger);
            _lanes[i].Committed += _signal.Pulse;
        }
    }

    /// <summary>What the group-commit writers did since start (transactions, merged calls, splits, overloads).</summary>
    public EventStoreStats Stats { get; } = new();

    /// <summary>Events accepted and not yet answered (the back-pressure budget in use).</summary>
    public long QueuedEvents => _budget.Queued;

    public async Task<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return new AppendResult(AppendStatus.Committed, []);
        ct.ThrowIfCancellationRequested();
        if (!_budget.TryReserve(events.Count))
        {
            Stats.CountOverloaded();
            return AppendResult.Overloaded;
        }
        // A caller that stops waiting after a writer took its events does not undo them: they may be committed.
        // Retrying is safe (same ids → duplicates).
        if (_lanes.Length == 1) return await _lanes[0].Enqueue(events, ct).Task.WaitAsync(ct);

        var split = LaneSplit.Of(events, _lanes.Length);
        _budget.Release(split.Duplicates);
        var parts = new List<(List<int> Positions, Task<AppendResult> Task)>(_lanes.Length);
        for (var lane = 0; lane < _lanes.Length; lane++)
        {
            var positions = split.Positions[lane];
            if (positions.Count == 0) continue;
            var part = positions.Count == events.Count ? events : positions.Select(p => events[p]).ToList();
            parts.Add((positions, _lanes[lane].Enqueue(part, ct).Task));
        }
        await Task.WhenAll(parts.Select(p => p.Task)).WaitAsync(ct);
        foreach (var (positions, task) in parts)
        {
            var answers = task.Result.Events;
            for (var i = 0; i < positions.Count; i++) split.Results[positions[i]] = answers[i];
        }
        return new AppendResult(AppendStatus.Committed, split.Results);
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

    private int _disposed;

    /// <summary>Answers every accepted call (commits what is queued), then stops. Safe to call twice (DI does).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        foreach (var lane in _lanes) await lane.DisposeAsync();
        await _signal.DisposeAsync();
    }
}

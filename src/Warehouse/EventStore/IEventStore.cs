namespace Warehouse.EventStore;

/// <summary>
/// The single source of truth: append-only, idempotent on event id, ordered by one global sequence.
/// Ingestion appends; projections tail with <see cref="ReadForwardAsync"/>.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Appends many events for many streams. Completes only after the events are durably committed.
    /// A duplicate id (inside the call or already stored) is reported as <see cref="AppendOutcome.Duplicate"/>,
    /// is not an error and does not disturb the others: first write wins. When the append queue is full the
    /// result is <see cref="AppendStatus.Overloaded"/> and nothing was written. A database failure throws; the part
    /// of the call that other writer lanes carried may then be committed (a retry reports it as duplicates).
    /// Within a stream, versions are contiguous and follow input order and sequence order; across streams, the
    /// sequence numbers of one call need not follow input order.
    /// </summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct = default);

    /// <summary>
    /// Events with sequence &gt; <paramref name="afterSequence"/>, in sequence order, at most <paramref name="max"/>,
    /// never past the safe high-water mark (no sequence a still-running transaction may yet commit).
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> ReadForwardAsync(long afterSequence, int max, CancellationToken ct = default);

    /// <summary>One stream in version order.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, CancellationToken ct = default);

    /// <summary>The safe high-water mark and how far it is behind the newest allocated sequence.</summary>
    Task<HighWaterMark> GetHighWaterMarkAsync(CancellationToken ct = default);

    /// <summary>
    /// For tailers: returns as soon as the safe high-water mark is past <paramref name="afterSequence"/> (there is
    /// something to read), or after <paramref name="maxWait"/> with the mark as it is. The Postgres store wakes on
    /// LISTEN/NOTIFY and re-checks on a short poll interval; this default only polls.
    /// </summary>
    async Task<HighWaterMark> WaitForEventsAsync(long afterSequence, TimeSpan maxWait, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + maxWait;
        while (true)
        {
            var mark = await GetHighWaterMarkAsync(ct);
            var left = deadline - DateTime.UtcNow;
            if (mark.Safe > afterSequence || left <= TimeSpan.Zero) return mark;
            await Task.Delay(left < DefaultPollInterval ? left : DefaultPollInterval, ct);
        }
    }

    private static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(200);
}

/// <param name="Id">Deterministic: <see cref="EventIds.ForMessage"/>(source, messageId). Unique in the store.</param>
/// <param name="StreamId">"user:&lt;userId&gt;", "anon:&lt;anonymousId&gt;" or "product:&lt;productId&gt;" (docs/event-format.md).</param>
/// <param name="Type">The message type: track, identify, page, screen, group, alias, product_upserted.</param>
/// <param name="Data">JSON text of the normalised message, already safe for jsonb (no NUL, no lone surrogates).</param>
/// <param name="Headers">JSON text of the ingestion metadata, or null.</param>
/// <param name="Timestamp">When the warehouse received the event (server clock, UTC); "as of" queries use it.</param>
public sealed record NewEvent(Guid Id, string StreamId, string Type, string Data, string? Headers, DateTimeOffset Timestamp)
{
    private string? _data = Data;

    /// <summary>
    /// The same event with <see cref="Data"/> given as its UTF-8 bytes (ingestion has them from its JSON writer):
    /// the append hands them to COPY as they are, without a round trip through a UTF-16 string. The caller must not
    /// change the bytes afterwards.
    /// </summary>
    public NewEvent(Guid id, string streamId, string type, ReadOnlyMemory<byte> dataUtf8, string? headers, DateTimeOffset timestamp)
        : this(id, streamId, type, (string)null!, headers, timestamp) => DataUtf8 = dataUtf8;

    /// <summary>JSON text of the event; decoded on first use when the event was built from UTF-8 bytes.</summary>
    public string Data
    {
        get => _data ??= System.Text.Encoding.UTF8.GetString(DataUtf8!.Value.Span);
        init
        {
            _data = value;
            DataUtf8 = null; // `with { Data = ... }` replaces the bytes too
        }
    }

    /// <summary>Data as UTF-8 bytes when the event was built from them, else null (use <see cref="Data"/>).</summary>
    public ReadOnlyMemory<byte>? DataUtf8 { get; private init; }

    // By value, whichever form Data was given in (as before the UTF-8 form existed).
    public bool Equals(NewEvent? other) => other is not null && Id == other.Id && StreamId == other.StreamId && Type == other.Type
        && Data == other.Data && Headers == other.Headers && Timestamp == other.Timestamp;

    public override int GetHashCode() => HashCode.Combine(Id, StreamId, Type, Data, Headers, Timestamp);
}

public sealed record StoredEvent(long Sequence, Guid Id, string StreamId, long Version, string Type, string Data,
    string? Headers, DateTimeOffset Timestamp);

public enum AppendStatus { Committed, Overloaded }

public enum AppendOutcome { Appended, Duplicate }

/// <summary>Per input position: appended (with its sequence and stream version) or a duplicate (0, 0).</summary>
public readonly record struct AppendedEvent(AppendOutcome Outcome, long Sequence, long Version);

public sealed record AppendResult(AppendStatus Status, IReadOnlyList<AppendedEvent> Events)
{
    public static AppendResult Overloaded { get; } = new(AppendStatus.Overloaded, []);
    public int AppendedCount => Events.Count(e => e.Outcome == AppendOutcome.Appended);
    public int DuplicateCount => Events.Count(e => e.Outcome == AppendOutcome.Duplicate);
}

/// <param name="Safe">Every sequence at or below it is committed or provably never will be.</param>
/// <param name="Newest">The highest sequence allocated so far.</param>
public sealed record HighWaterMark(long Safe, long Newest)
{
    public long Lag => Math.Max(0, Newest - Safe);
}

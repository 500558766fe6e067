using System.Collections.Concurrent;
using Npgsql;
using Warehouse.EventStore;
using Warehouse.IntegrationTests.Infrastructure;
using static Warehouse.IntegrationTests.EventStore.EventStoreTestKit;

namespace Warehouse.IntegrationTests.EventStore;

/// <summary>
/// The tailing guarantee under stress (issue 3, "Done when"): 8 concurrent writers, some of whose transactions roll
/// back and some of which pause for seconds before committing, and a tailer reading concurrently over more than
/// 100,000 events. The tailer must read exactly the final table (nothing skipped, nothing twice, in order), never
/// pass a number an open transaction holds, and every passed gap must be a logged one.
/// </summary>
public sealed class TailingStressTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const int Target = 100_000;
    private const int Writers = 8;

    private readonly ConcurrentDictionary<Guid, long> _open = new();   // open raw transactions → their lowest number
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentBag<long> _rolledBack = [];   // numbers drawn by rolled-back transactions
    private long _committed;
    private long _tailerLast;
    private long _tailerReads;

    [Fact]
    public async Task a_tailer_sees_every_committed_event_once_in_order_while_writers_roll_back_and_pause()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        await using var tailerStore = new PostgresEventStore(db.DataSource); // the daemon's process, its own tracker
        var streams = Enumerable.Range(0, 500).Select(i => $"anon:stress{i}").ToArray();
        using var writersDone = new CancellationTokenSource();

        var tailer = Task.Run(() => TailAsync(tailerStore, writersDone.Token));
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w, store, streams))).ToList();
        await Task.WhenAll(writers);
        await writersDone.CancelAsync();
        var read = await tailer;

        Assert.True(_violations.IsEmpty, string.Join("\n", _violations.Take(20)));
        var stored = await AllStoredAsync(db.DataSource);
        Assert.True(stored.Count >= Target, $"only {stored.Count} events committed");
        Assert.Equal(stored.Select(s => (s.Seq, s.Id)), read.Select(e => (e.Sequence, e.Id)));
        foreach (var stream in stored.GroupBy(s => s.Stream))
            Assert.Equal(Enumerable.Range(1, stream.Count()).Select(v => (long)v), stream.Select(s => s.Version));

        // Every number not stored lies in a logged gap, and every rolled-back range was logged.
        var skips = await SkipsAsync();
        var storedSeqs = stored.Select(s => s.Seq).ToHashSet();
        for (var seq = 1L; seq <= stored[^1].Seq; seq++)
        {
            if (!storedSeqs.Contains(seq)) Assert.Contains(skips, s => s.Start <= seq && seq <= s.End);
        }
        Assert.NotEmpty(_rolledBack);
        // (Not necessarily one range per transaction: concurrent transactions interleave their nextval calls.)
        foreach (var seq in _rolledBack) Assert.Contains(skips, s => s.Start <= seq && seq <= s.End);
    }

    private async Task WriteAsync(int writer, PostgresEventStore store, string[] streams)
    {
        var random = new Random(writer);
        // Writers 0 and 1 first hold a transaction open until the tailer has provably stopped below it while later
        // events were committed: the deterministic half of the proof. Then 0 commits and 1 rolls back.
        if (writer < 2) await RawAsync(random, streams, commit: writer == 0, holdUntilTailerWaits: true, pause: TimeSpan.Zero);
        var round = 0;
        while (Interlocked.Read(ref _committed) < Target)
        {
            round++;
            var roll = random.Next(100);
            if (roll < 70)
            {
                var events = Events(100 + random.Next(300), _ => streams[random.Next(streams.Length)]);
                var result = await store.AppendAsync(events);
                Assert.Equal(AppendStatus.Committed, result.Status);
                Interlocked.Add(ref _committed, result.AppendedCount);
            }
            else
            {
                // Some transactions pause for seconds before they end (the first round of writers 2..5).
                var pause = writer is >= 2 and <= 5 && round == 3 ? TimeSpan.FromMilliseconds(1500 + random.Next(1500)) : TimeSpan.Zero;
                await RawAsync(random, streams, commit: roll >= 85, holdUntilTailerWaits: false, pause);
            }
        }
    }

    /// <summary>A transaction the test controls: the store's own append statements, then commit or roll back.</summary>
    private async Task RawAsync(Random random, string[] streams, bool commit, bool holdUntilTailerWaits, TimeSpan pause)
    {
        var key = Guid.NewGuid();
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        // A transaction held open uses streams of its own: on shared ones it would (rightly) block every appender
        // behind its row locks, and nothing could commit above it.
        var held = holdUntilTailerWaits || pause > TimeSpan.Zero;
        var events = Events(50 + random.Next(200), i => held ? $"anon:held-{key:N}-{i % 10}" : streams[random.Next(streams.Length)]);
        var results = await AppendTransaction.WriteAsync(conn, events, CancellationToken.None);
        _open[key] = results[0].Sequence;
        if (holdUntilTailerWaits)
        {
            // Later numbers are committed by the other writers; the tailer keeps reading, and must stay below us.
            var readsBefore = 0L;
            await WaitUntilAsync(async () =>
            {
                var newest = await NewestCommittedAsync();
                if (newest <= results[^1].Sequence) return false;
                if (readsBefore == 0) readsBefore = Interlocked.Read(ref _tailerReads);
                return Interlocked.Read(ref _tailerReads) >= readsBefore + 5;
            }, "events above a held transaction were committed and the tailer polled past them", TimeSpan.FromSeconds(60));
            if (Interlocked.Read(ref _tailerLast) >= results[0].Sequence)
                _violations.Enqueue($"tailer at {_tailerLast} passed held transaction starting at {results[0].Sequence}");
        }
        if (pause > TimeSpan.Zero) await Task.Delay(pause); // the workload: a slow transaction, not a wait for a condition
        _open.TryRemove(key, out _); // before it ends: from here on, reading its numbers is legitimate
        if (commit)
        {
            await tx.CommitAsync();
            Interlocked.Add(ref _committed, events.Count);
        }
        else
        {
            await tx.RollbackAsync();
            foreach (var r in results) _rolledBack.Add(r.Sequence);
        }
    }

    private async Task<List<StoredEvent>> TailAsync(PostgresEventStore store, CancellationToken writersDone)
    {
        var read = new List<StoredEvent>();
        var last = 0L;
        while (true)
        {
            var finished = writersDone.IsCancellationRequested;
            var mark = await store.WaitForEventsAsync(last, TimeSpan.FromMilliseconds(200));
            var page = await store.ReadForwardAsync(last, 5_000);
            Interlocked.Increment(ref _tailerReads);
            foreach (var e in page)
            {
                if (e.Sequence <= last) _violations.Enqueue($"read {e.Sequence} after {last}");
                foreach (var held in _open.Values)
                {
                    if (e.Sequence >= held) _violations.Enqueue($"read {e.Sequence} while a transaction holding {held} was open");
                }
                read.Add(e);
                last = e.Sequence;
            }
            Interlocked.Exchange(ref _tailerLast, last);
            // Done when the writers had finished before this round and the mark covers every allocated number.
            if (finished && page.Count == 0 && mark.Safe >= mark.Newest) return read;
        }
    }

    private async Task<long> NewestCommittedAsync()
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("select coalesce(max(seq_id), 0) from events.mt_events", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<List<(long Start, long End)>> SkipsAsync()
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("select starting_sequence, ending_sequence from events.mt_high_water_skips", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var skips = new List<(long, long)>();
        while (await reader.ReadAsync()) skips.Add((reader.GetInt64(0), reader.GetInt64(1)));
        return skips;
    }
}

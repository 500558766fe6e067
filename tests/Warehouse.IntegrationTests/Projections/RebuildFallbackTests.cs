using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Warehouse.EventStore;
using Warehouse.Host.Cli.Bench;
using Warehouse.IntegrationTests.Infrastructure;
using Warehouse.Projections;
using Warehouse.Projections.Rebuild;
using static Warehouse.IntegrationTests.Projections.TrackerEvents;

namespace Warehouse.IntegrationTests.Projections;

/// <summary>
/// What the parallel rebuild cannot decide up front makes it replay in sequence, with the same result as the
/// daemon. One database per case (a class each): one case left in the store would make the other fall back too.
/// </summary>
internal static class RebuildFallback
{
    /// <summary>Random traffic plus <paramref name="odd"/>, projected by the daemon, then rebuilt on two connections.</summary>
    public static async Task<RebuildReport> AssertRebuildEqualsIncrementalAsync(DatabaseFixture db, NewEvent odd)
    {
        var events = ProjectTraffic.Generate(persons: 40, seed: 11, start: T0).ToList();
        events.Insert(events.Count / 2, odd);
        await Projecting.AppendAsync(db.DataSource, [.. events]);
        await Projecting.CatchUpAsync(db.DataSource, batchSize: 50);
        var incremental = await StarSchemaSnapshot.TakeAsync(db.DataSource);

        var report = await new ProjectionRebuild(db.DataSource, new PostgresEventStore(db.DataSource), [],
            new ProjectionOptions { RebuildChunkSize = 300, RebuildWorkers = 2 }, "warehouse_reader", NullLoggerFactory.Instance).RunAsync(null, default);

        StarSchemaSnapshot.AssertEqual(incremental, await StarSchemaSnapshot.TakeAsync(db.DataSource));
        Assert.Equal(1, report.Workers);
        return report;
    }
}

public sealed class RebuildFallbackOnBadEventTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_store_with_an_event_the_projection_dead_letters_is_rebuilt_in_sequence_to_the_daemons_tables()
    {
        var poison = Page(null, "visitor-with-a-bad-clock", T0);
        var day = T0.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Contains(day, poison.Data, StringComparison.Ordinal);
        poison = poison with { Data = poison.Data.Replace(day, "not-a-date", StringComparison.Ordinal) };

        var report = await RebuildFallback.AssertRebuildEqualsIncrementalAsync(db, poison);

        Assert.Equal(1, report.DeadLetters);
    }
}

public sealed class RebuildFallbackOnOrphanAliasTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_store_with_an_alias_without_a_user_id_is_rebuilt_in_sequence_to_the_daemons_tables()
    {
        // An alias that names a previousId but no userId links nothing: the previousId is an identity of its own,
        // not the event's person, so the event cannot go to one person's worker.
        var alias = Alias("orphan-alias-user", "orphan-alias-previous", T0);
        var data = alias.Data.Replace("\"userId\":\"orphan-alias-user\"", "\"anonymousId\":\"orphan-alias-anon\"", StringComparison.Ordinal);
        Assert.NotEqual(alias.Data, data);

        var report = await RebuildFallback.AssertRebuildEqualsIncrementalAsync(db, alias with { Data = data });

        Assert.Equal(0, report.DeadLetters);
    }
}

using Microsoft.Extensions.Configuration;
using Warehouse.EventStore;

namespace Warehouse.Tests.EventStore;

public sealed class AppendRoutingTests
{
    private static NewEvent Event(string stream, string messageId) =>
        new(EventIds.ForMessage("web", messageId), stream, "track", "{}", null, DateTimeOffset.UtcNow);

    [Fact]
    public void a_call_is_split_by_stream_and_a_repeated_id_is_a_duplicate_at_its_later_position()
    {
        var events = Enumerable.Range(0, 40).Select(i => Event($"anon:s{i % 9}", $"m{i % 30}")).ToList();
        var split = LaneSplit.Of(events, 3);

        Assert.Equal(10, split.Duplicates);
        Assert.All(Enumerable.Range(30, 10), p => Assert.Equal(AppendOutcome.Duplicate, split.Results[p].Outcome));
        var carried = split.Positions.SelectMany(p => p).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 30), carried);
        for (var lane = 0; lane < 3; lane++)
        {
            // A stream lives in exactly one lane, and a lane keeps input order.
            Assert.All(split.Positions[lane], p => Assert.Equal(lane, LaneSplit.LaneOf(events[p].StreamId, 3)));
            Assert.Equal(split.Positions[lane].Order(), split.Positions[lane]);
        }
    }

    [Fact]
    public void the_queue_budget_refuses_what_would_pass_the_bound_but_never_a_call_into_an_empty_queue()
    {
        var budget = new AppendBudget(10);
        Assert.True(budget.TryReserve(25)); // bigger than the bound, but nothing else is queued
        Assert.False(budget.TryReserve(1));
        budget.Release(25);
        Assert.True(budget.TryReserve(6));
        Assert.False(budget.TryReserve(5));
        Assert.True(budget.TryReserve(4));
        Assert.Equal(10, budget.Queued);
    }

    [Fact]
    public void options_are_read_from_the_event_store_section_and_bad_values_say_what_is_expected()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EventStore:MaxQueuedEvents"] = "500", ["EventStore:WriterLanes"] = "4", ["EventStore:PollInterval"] = "00:00:00.050",
        }).Build();
        var options = EventStoreServices.Read(config.GetSection(EventStoreOptions.Section));
        Assert.Equal((500, 4, TimeSpan.FromMilliseconds(50)), (options.MaxQueuedEvents, options.WriterLanes, options.PollInterval));

        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["EventStore:MaxQueuedEvents"] = "lots" }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => EventStoreServices.Read(bad.GetSection(EventStoreOptions.Section)));
        Assert.Contains("positive whole number", error.Message);
    }
}

using Warehouse.Ingestion;
using Warehouse.Ingestion.Json;

namespace Warehouse.Tests.Ingestion;

public sealed class EventTimeTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void skew_is_removed_when_both_the_event_time_and_sent_at_parse()
    {
        var flags = new List<string>();
        // Device clock 2 h behind: event at 07:59:50 device time, sent at 08:00:00 device time.
        var ts = EventTime.Resolve(new JsonText("2026-11-22T07:59:50Z"), new JsonText("2026-11-22T08:00:00Z"), Received, flags);
        Assert.Equal(Received.AddSeconds(-10), ts);
        Assert.Equal([EventTime.FlagSkewCorrected], flags);
    }

    [Fact]
    public void without_sent_at_the_given_time_is_used_converted_to_utc()
    {
        var ts = EventTime.Resolve(new JsonText("2026-11-22T09:30:00+05:30"), null, Received, []);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 4, 0, 0, TimeSpan.Zero), ts);
    }

    [Fact]
    public void a_time_a_little_ahead_is_kept_and_further_ahead_is_clamped()
    {
        Assert.Equal(Received.AddSeconds(1), EventTime.Resolve(new JsonText("2026-11-22T10:00:01Z"), null, Received, []));
        var flags = new List<string>();
        Assert.Equal(Received, EventTime.Resolve(new JsonText("2026-11-22T11:00:00Z"), null, Received, flags));
        Assert.Equal([EventTime.FlagClamped], flags);
    }

    [Theory]
    [InlineData("now")]
    [InlineData("12:00")]
    [InlineData("")]
    public void an_unparseable_time_falls_back_to_received_and_is_flagged(string text)
    {
        var flags = new List<string>();
        Assert.Equal(Received, EventTime.Resolve(new JsonText(text), null, Received, flags));
        Assert.Contains(EventTime.FlagUnparseable, flags);
    }

    [Fact]
    public void absurd_clock_pairs_do_not_overflow()
    {
        var flags = new List<string>();
        Assert.Equal(Received, EventTime.Resolve(new JsonText("0001-01-01T00:00:00Z"), new JsonText("9999-12-31T23:59:59Z"), Received, flags));
        Assert.Contains(EventTime.FlagUnparseable, flags);
    }

    [Fact]
    public void times_are_written_in_utc_with_milliseconds()
    {
        Assert.Equal("2026-11-22T10:00:00.000Z", EventTime.Format(Received.ToOffset(TimeSpan.FromHours(2))));
    }
}

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

    [Theory]
    [InlineData("2026-11-22T10:00:00.000Z")]
    [InlineData("2026-11-22T10:00:00Z")]
    [InlineData("2026-11-22T10:00:00.1234567Z")]
    [InlineData("2026-11-22T10:00:00.12345678Z")]
    [InlineData("2026-11-22T10:00:00.5+05:30")]
    [InlineData("2026-11-22T00:30:00-14:00")]
    [InlineData("2026-11-22T00:30:00+14:01")]
    [InlineData("2024-02-29T23:59:59.999Z")]
    [InlineData("2025-02-29T10:00:00Z")]
    [InlineData("2026-13-01T10:00:00Z")]
    [InlineData("2026-11-22T24:00:00Z")]
    [InlineData("2026-11-22T10:00:60Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("9999-12-31T23:59:59-01:00")]
    [InlineData("2026-11-22t10:00:00z")]
    [InlineData("2026-11-22 10:00:00Z")]
    [InlineData("2026-11-22T10:00:00")]
    [InlineData("2026-11-22T10:00:00.Z")]
    [InlineData("2026-11-22T10:00:00+0530")]
    [InlineData("2026-11-22")]
    [InlineData("now")]
    [InlineData("")]
    public void the_utf8_reading_gives_what_the_text_reading_gives(string text)
    {
        Assert.Equal(EventTime.TryParseText(text), EventTime.TryParseUtf8(System.Text.Encoding.UTF8.GetBytes(text)));
        if (EventTime.TryParseIso(System.Text.Encoding.UTF8.GetBytes(text), out var fast))
            Assert.Equal(EventTime.TryParseText(text), fast); // the shortcut itself, where it answers
    }

    [Fact]
    public void the_utf8_format_writes_what_format_writes()
    {
        var buffer = new byte[24];
        foreach (var t in new[] { Received, Received.AddTicks(9_999_999), new DateTimeOffset(2, 1, 1, 0, 0, 0, TimeSpan.Zero), DateTimeOffset.MaxValue, new DateTimeOffset(2026, 1, 2, 3, 4, 5, 67, TimeSpan.FromHours(-3)) })
            Assert.Equal(EventTime.Format(t), System.Text.Encoding.UTF8.GetString(EventTime.FormatUtf8(t, buffer)));
    }
}

using System.Globalization;
using Warehouse.Ingestion.Json;

namespace Warehouse.Ingestion;

/// <summary>
/// The event-time rule of tracker-formats.md §1.5: orig = originalTimestamp ?? timestamp, sent = event sentAt ??
/// batch sentAt; both parse → receivedAt − (sent − orig); only orig → orig; else receivedAt. A time later than
/// receivedAt (beyond a small tolerance for clocks a little ahead) is clamped to receivedAt.
/// </summary>
public static class EventTime
{
    public const string FlagUnparseable = "timestamp_unparseable";
    public const string FlagClamped = "timestamp_clamped";
    public const string FlagSkewCorrected = "clock_skew_corrected";

    /// <summary>A device clock this far ahead is tolerated as it is.</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromSeconds(2);

    public static DateTimeOffset Resolve(JsonTree? original, JsonTree? sent, DateTimeOffset receivedAt, List<string> flags) =>
        ResolveParsed(original, TryParse(sent), receivedAt, flags);

    /// <param name="sentAt">sentAt already parsed (a batch's items share the envelope's: parse it once, not per item).</param>
    public static DateTimeOffset ResolveParsed(JsonTree? original, DateTimeOffset? sentAt, DateTimeOffset receivedAt, List<string> flags)
    {
        var orig = TryParse(original);
        return ResolveParsed(orig, original is not null && !original.IsNull && orig is null, sentAt, receivedAt, flags);
    }

    /// <param name="orig">The message's time, parsed.</param>
    /// <param name="origUnparseable">The message had a time that did not parse.</param>
    public static DateTimeOffset ResolveParsed(DateTimeOffset? orig, bool origUnparseable, DateTimeOffset? sentAt, DateTimeOffset receivedAt,
        List<string> flags)
    {
        if (origUnparseable) flags.Add(FlagUnparseable);

        DateTimeOffset ts;
        if (orig is { } o && sentAt is { } s)
        {
            var skew = s - o;
            var ticks = receivedAt.UtcTicks - skew.Ticks;
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                // Absurd clocks (year 1 against year 9999): no correction is meaningful.
                ts = receivedAt;
                flags.Add(FlagUnparseable);
            }
            else
            {
                ts = new DateTimeOffset(ticks, TimeSpan.Zero);
                if (s != receivedAt) flags.Add(FlagSkewCorrected);
            }
        }
        else
        {
            ts = orig ?? receivedAt;
        }

        if (ts > receivedAt + FutureTolerance)
        {
            ts = receivedAt;
            flags.Add(FlagClamped);
        }
        return ts;
    }

    /// <summary>ISO-8601 with or without offset (none = UTC), converted to UTC; anything else is null.</summary>
    public static DateTimeOffset? TryParse(JsonTree? value) => value is JsonText { Value: var text } ? TryParseText(text) : null;

    /// <summary>As <see cref="TryParse(JsonTree?)"/> for a JSON string's text.</summary>
    public static DateTimeOffset? TryParseText(string text)
    {
        if (text is not { Length: > 0 and < 64 }) return null;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed))
            return null;
        // A bare time or a word that happens to parse is not an event time; require a date with a year.
        if (text.Length < 10 || !char.IsAsciiDigit(text[0])) return null;
        return parsed.ToUniversalTime();
    }

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

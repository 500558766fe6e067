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

    /// <summary>
    /// <see cref="TryParseText"/> for a JSON string's UTF-8 bytes. The shapes SDKs send (toISOString's
    /// 2026-11-22T10:00:00.000Z, .NET's round-trip form, an offset instead of Z) are read here without the general
    /// parser, which was a tenth of the streaming normaliser's time; any other shape, and anything near a limit,
    /// goes through <see cref="TryParseText"/> with the same result.
    /// </summary>
    public static DateTimeOffset? TryParseUtf8(ReadOnlySpan<byte> utf8) =>
        TryParseIso(utf8, out var value) ? value : TryParseText(System.Text.Encoding.UTF8.GetString(utf8));

    /// <summary>yyyy-MM-ddTHH:mm:ss[.f to fffffff](Z|±hh:mm), years 2-9998; false for anything else.</summary>
    internal static bool TryParseIso(ReadOnlySpan<byte> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
        if (!Digits(s[..4], out var year) || !Digits(s[5..7], out var month) || !Digits(s[8..10], out var day)
            || !Digits(s[11..13], out var hour) || !Digits(s[14..16], out var minute) || !Digits(s[17..19], out var second)) return false;
        var at = 19;
        long fraction = 0;
        if (s[at] == '.')
        {
            var start = ++at;
            while (at < s.Length && at - start < 7 && char.IsAsciiDigit((char)s[at])) fraction = (fraction * 10) + (s[at++] - '0');
            if (at == start || (at < s.Length && char.IsAsciiDigit((char)s[at]))) return false; // none, or more than 7 digits
            for (var n = at - start; n < 7; n++) fraction *= 10;
        }
        long offsetTicks;
        if (at == s.Length - 1 && s[at] == 'Z')
        {
            offsetTicks = 0;
        }
        else if (at == s.Length - 6 && s[at] is (byte)'+' or (byte)'-' && s[at + 3] == ':'
                 && Digits(s.Slice(at + 1, 2), out var offsetHours) && Digits(s.Slice(at + 4, 2), out var offsetMinutes)
                 && offsetMinutes <= 59 && (offsetHours * 60) + offsetMinutes <= 14 * 60)
        {
            offsetTicks = ((offsetHours * 60) + offsetMinutes) * TimeSpan.TicksPerMinute * (s[at] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }
        if (year is < 2 or > 9998 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59) return false;
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fraction;
        value = new DateTimeOffset(local - offsetTicks, TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var b in s)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = (value * 10) + (b - '0');
        }
        return true;
    }

    /// <summary><see cref="Format"/> as UTF-8 into 24 bytes, without a string (once per event on the streaming path).</summary>
    public static ReadOnlySpan<byte> FormatUtf8(DateTimeOffset value, Span<byte> destination)
    {
        var d = value.UtcDateTime;
        Put(destination[..4], d.Year);
        destination[4] = (byte)'-';
        Put(destination[5..7], d.Month);
        destination[7] = (byte)'-';
        Put(destination[8..10], d.Day);
        destination[10] = (byte)'T';
        Put(destination[11..13], d.Hour);
        destination[13] = (byte)':';
        Put(destination[14..16], d.Minute);
        destination[16] = (byte)':';
        Put(destination[17..19], d.Second);
        destination[19] = (byte)'.';
        Put(destination[20..23], d.Millisecond);
        destination[23] = (byte)'Z';
        return destination[..24];

        static void Put(Span<byte> digits, int number)
        {
            for (var i = digits.Length - 1; i >= 0; i--, number /= 10) digits[i] = (byte)('0' + (number % 10));
        }
    }

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

using System.Text;
using System.Text.Json;

namespace Warehouse.Ingestion.Json;

/// <summary>
/// Reads tracker JSON into a <see cref="JsonTree"/> without the traps of the defaults
/// (shared/reference/tracker-formats.md §8.3-8.4): depth far past 64, duplicate keys (last wins), numbers kept
/// as their exact text, and strings made storable in jsonb (NUL removed, lone surrogates and invalid UTF-8
/// replaced by U+FFFD). A problem that concerns one message (too deep, a number PostgreSQL cannot hold) is
/// reported through <c>problem</c> so that only that message is rejected, not the whole batch.
/// </summary>
public static class SafeJsonParser
{
    /// <summary>Deeper than this the body as a whole is not read (400).</summary>
    public const int MaxReaderDepth = 1000;

    /// <summary>Deeper than this one message is rejected; far above what trackers send, at least 100 as promised.</summary>
    public const int MaxMessageDepth = 256;

    /// <summary>PostgreSQL numeric accepts exponents in ±1000 and at most 16383 digits after the point.</summary>
    private const int MaxExponent = 1000;
    private const int MaxFractionDigits = 16000;

    public static Utf8JsonReader CreateReader(ReadOnlySpan<byte> body)
    {
        if (body.StartsWith("\uFEFF"u8)) body = body[3..];
        return new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxReaderDepth });
    }

    /// <summary>Offset of the JSON text in a body that may start with a UTF-8 byte-order mark.</summary>
    public static int BomLength(ReadOnlySpan<byte> body) => body.StartsWith("\uFEFF"u8) ? 3 : 0;

    /// <summary>Parses a whole document; throws <see cref="JsonException"/> when it is not JSON.</summary>
    public static JsonTree Parse(ReadOnlySpan<byte> body, out string? problem)
    {
        var reader = CreateReader(body);
        if (!reader.Read()) throw new JsonException("the body is empty");
        problem = null;
        var tree = ReadValue(ref reader, reader.CurrentDepth, ref problem);
        if (reader.Read()) throw new JsonException("unexpected data after the JSON value");
        return tree;
    }

    /// <summary>Reads the value at the current token (and everything inside it).</summary>
    public static JsonTree ReadValue(ref Utf8JsonReader reader, int baseDepth, ref string? problem)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                if (reader.CurrentDepth - baseDepth >= MaxMessageDepth) return TooDeep(ref reader, ref problem);
                var obj = new JsonObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var key = ReadPropertyName(ref reader);
                    reader.Read();
                    obj[key] = ReadValue(ref reader, baseDepth, ref problem); // a repeated key: the last one wins
                }
                return obj;
            case JsonTokenType.StartArray:
                if (reader.CurrentDepth - baseDepth >= MaxMessageDepth) return TooDeep(ref reader, ref problem);
                var array = new JsonArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    array.Items.Add(ReadValue(ref reader, baseDepth, ref problem));
                return array;
            case JsonTokenType.String:
                // Unescaped valid UTF-8 cannot hold NUL (JSON forbids raw control characters) nor a lone surrogate:
                // keep the bytes as they are; anything else goes through the decoding that makes it storable.
                if (!reader.ValueIsEscaped && !reader.HasValueSequence && System.Text.Unicode.Utf8.IsValid(reader.ValueSpan))
                    return new JsonText(reader.ValueSpan.ToArray());
                return new JsonText(ReadString(ref reader));
            case JsonTokenType.Number:
                var raw = Encoding.ASCII.GetString(reader.ValueSpan);
                if (!IsStorableNumber(reader.ValueSpan))
                    problem ??= $"the number {Shorten(raw)} is outside what the database can store exactly";
                return new JsonNumber(raw);
            case JsonTokenType.True: return JsonLiteral.True;
            case JsonTokenType.False: return JsonLiteral.False;
            default: return JsonLiteral.Null;
        }
    }

    private static JsonLiteral TooDeep(ref Utf8JsonReader reader, ref string? problem)
    {
        problem ??= $"the message is nested deeper than {MaxMessageDepth} levels";
        reader.Skip();
        return JsonLiteral.Null;
    }

    /// <summary>
    /// Property names of the Segment spec, shared instead of allocated again for every message (a 100-event batch
    /// repeats each of them a hundred times). Indexed by UTF-8 length.
    /// </summary>
    private static readonly (byte[] Utf8, string Text)[][] CommonKeys = BuildCommonKeys(
        "type", "event", "messageId", "anonymousId", "userId", "timestamp", "originalTimestamp", "sentAt", "receivedAt",
        "context", "properties", "traits", "integrations", "name", "version", "library", "userAgent", "locale", "page",
        "path", "url", "referrer", "title", "search", "campaign", "source", "medium", "content", "term", "ip",
        "product_id", "sku", "price", "quantity", "currency", "category", "brand", "email", "plan", "device", "os",
        "app", "screen", "timezone", "writeKey", "groupId", "previousId", "revenue", "order_id", "products", "id",
        "value", "channel", "network", "userAgentData", "width", "height", "density", "manufacturer", "model");

    private static (byte[] Utf8, string Text)[][] BuildCommonKeys(params string[] keys)
    {
        var byLength = new (byte[] Utf8, string Text)[keys.Max(k => k.Length) + 1][];
        for (var n = 0; n < byLength.Length; n++)
            byLength[n] = keys.Where(k => k.Length == n).Select(k => (Encoding.ASCII.GetBytes(k), k)).ToArray();
        return byLength;
    }

    /// <summary>A property name: a shared string for the spec's common names, else as <see cref="ReadString"/>.</summary>
    public static string ReadPropertyName(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && reader.ValueSpan.Length < CommonKeys.Length)
        {
            var span = reader.ValueSpan;
            foreach (var (utf8, text) in CommonKeys[span.Length])
                if (span.SequenceEqual(utf8)) return text;
        }
        return ReadString(ref reader);
    }

    /// <summary>A string or property name, storable in jsonb and text columns.</summary>
    public static string ReadString(ref Utf8JsonReader reader)
    {
        string value;
        try
        {
            value = reader.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8 or a lone surrogate escape: the reader tokenises it but refuses to decode it.
            value = DecodeLeniently(reader.ValueSpan, reader.ValueIsEscaped);
        }
        return MakeStorable(value);
    }

    /// <summary>Removes NUL (jsonb and text reject it) and replaces unpaired surrogates with U+FFFD.</summary>
    public static string MakeStorable(string value)
    {
        var clean = true;
        for (var i = 0; i < value.Length && clean; i++)
        {
            var c = value[i];
            if (c == '\0') clean = false;
            else if (char.IsHighSurrogate(c))
            {
                if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) i++;
                else clean = false;
            }
            else if (char.IsLowSurrogate(c)) clean = false;
        }
        if (clean) return value;

        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0') continue;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                sb.Append(c).Append(value[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                sb.Append('\uFFFD');
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    private static string DecodeLeniently(ReadOnlySpan<byte> raw, bool escaped)
    {
        if (!escaped) return Encoding.UTF8.GetString(raw); // Encoding.UTF8 replaces invalid sequences with U+FFFD
        var sb = new StringBuilder(raw.Length);
        var runStart = 0;
        var i = 0;
        while (i < raw.Length)
        {
            if (raw[i] != (byte)'\\') { i++; continue; }
            sb.Append(Encoding.UTF8.GetString(raw[runStart..i]));
            var e = raw[i + 1];
            i += 2;
            switch (e)
            {
                case (byte)'n': sb.Append('\n'); break;
                case (byte)'r': sb.Append('\r'); break;
                case (byte)'t': sb.Append('\t'); break;
                case (byte)'b': sb.Append('\b'); break;
                case (byte)'f': sb.Append('\f'); break;
                case (byte)'u':
                    sb.Append((char)Convert.ToUInt16(Encoding.ASCII.GetString(raw.Slice(i, 4)), 16));
                    i += 4;
                    break;
                default: sb.Append((char)e); break; // \" \\ \/
            }
            runStart = i;
        }
        sb.Append(Encoding.UTF8.GetString(raw[runStart..]));
        return sb.ToString();
    }

    /// <summary>Whether PostgreSQL numeric holds this JSON number (its token bytes) exactly.</summary>
    internal static bool IsStorableNumber(ReadOnlySpan<byte> raw)
    {
        var e = raw.IndexOfAny((byte)'e', (byte)'E');
        var mantissa = e < 0 ? raw : raw[..e];
        long exponent = 0;
        if (e >= 0 && !long.TryParse(raw[(e + 1)..], System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out exponent)) return false;
        if (exponent is > MaxExponent or < -MaxExponent) return false;
        var dot = mantissa.IndexOf((byte)'.');
        var fractionDigits = dot < 0 ? 0 : mantissa.Length - dot - 1;
        return fractionDigits - exponent <= MaxFractionDigits;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..20] + "…" + s[^10..];
}

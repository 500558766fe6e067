using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Warehouse.EventStore;
using Warehouse.Ingestion.Json;

namespace Warehouse.Ingestion;

/// <summary>
/// The fast path of <see cref="MessageNormalizer"/> for batch items (issue 4's throughput work): one pass of a
/// Utf8JsonReader over the item's bytes, then one Utf8JsonWriter pass that writes the normalised event, copying
/// every value the rules do not touch (properties, context, traits, unknown keys) as the request's bytes. No tree,
/// no UTF-16 for the payload. It takes only what the general (tree) path would store the same way: an item with
/// anything unusual (a \u escape, invalid UTF-8, a top-level key twice, a number PostgreSQL cannot hold, nesting
/// past the limit, an id that is not a plain string, a null where an object goes, an envelope context to merge, a
/// missing or invalid field, ...) gets null and goes the general path, which owns the exact rules and the rejection
/// reasons. Keys repeated below the top level are copied as sent: jsonb keeps the last value, as the tree does.
/// </summary>
internal static class StreamingNormalizer
{
    private enum Field
    {
        Other, Type, Event, MessageId, UserId, AnonymousId, PreviousId, GroupId, Properties, Traits, Context, Integrations,
        OriginalTimestamp, Timestamp, SentAt, ReceivedAt, WriteKey,
    }

    private const int FieldCount = (int)Field.WriteKey + 1;

    /// <summary>Top-level keys outside the spec's kept per item; more than this (never seen from an SDK) goes the general path.</summary>
    private const int MaxOtherKeys = 32;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // as JsonTree writes: non-ASCII verbatim
        MaxDepth = SafeJsonParser.MaxReaderDepth + 8,
        SkipValidation = true, // the structure written below is fixed; raw values were validated by the reader
    };

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <returns>The event, or null when the item needs the general path (it may still be valid).</returns>
    public static Candidate? TryNormalize(RawMessage message, string? pathType, SegmentBody envelope, IngestContext ctx)
    {
        if (message.Raw.Length > IngestionLimits.MaxMessageBytes || envelope.HasContextToMerge) return null;
        var span = message.Raw.Span;
        Span<int> starts = stackalloc int[FieldCount];
        Span<int> ends = stackalloc int[FieldCount]; // 0 = absent
        Span<int> others = stackalloc int[MaxOtherKeys * 4]; // name start, name end, value start, value end
        var otherCount = 0;

        var reader = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = SafeJsonParser.MaxReaderDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped || !Utf8.IsValid(reader.ValueSpan)) return null;
            var nameStart = (int)reader.TokenStartIndex + 1;
            var nameEnd = nameStart + reader.ValueSpan.Length;
            var field = FieldOf(reader.ValueSpan);
            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            if (field == Field.Other)
            {
                if (otherCount == MaxOtherKeys) return null;
                var name = span[nameStart..nameEnd];
                for (var i = 0; i < otherCount; i++)
                    if (span[others[i * 4]..others[(i * 4) + 1]].SequenceEqual(name)) return null; // last-wins: the tree path
                if (!IsClean(ref reader)) return null;
                others[otherCount * 4] = nameStart;
                others[(otherCount * 4) + 1] = nameEnd;
                others[(otherCount * 4) + 2] = valueStart;
                others[(otherCount * 4) + 3] = ValueEnd(ref reader);
                otherCount++;
                continue;
            }

            var f = (int)field;
            if (ends[f] != 0) return null; // a spec key twice: the tree path applies last-wins
            switch (field)
            {
                case Field.WriteKey or Field.ReceivedAt:
                case Field.Type when pathType is not null:
                    reader.Skip(); // dropped or replaced, whatever it holds
                    break;
                case Field.Properties or Field.Traits or Field.Context or Field.Integrations:
                    if (reader.TokenType != JsonTokenType.StartObject || !IsClean(ref reader)) return null;
                    break;
                default:
                    if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || !Utf8.IsValid(reader.ValueSpan)) return null;
                    break;
            }
            starts[f] = valueStart;
            ends[f] = ValueEnd(ref reader);
        }

        // Validation: anything the general path would reject (or fix) goes there.
        string type;
        if (pathType is not null) type = pathType;
        else if (ends[(int)Field.Type] == 0 || KnownType(Inner(span, starts, ends, Field.Type)) is not { } known) return null;
        else type = known;

        if (!TryId(span, starts, ends, Field.UserId, out var userId) || !TryId(span, starts, ends, Field.AnonymousId, out var anonymousId)
            || !TryId(span, starts, ends, Field.PreviousId, out var previousId) || !TryId(span, starts, ends, Field.GroupId, out var groupId))
            return null;
        string? messageId = null;
        if (ends[(int)Field.MessageId] != 0)
        {
            var text = Encoding.UTF8.GetString(Inner(span, starts, ends, Field.MessageId));
            if (text.Length > IngestionLimits.MaxIdLength) return null;
            messageId = text.Trim() is { Length: > 0 } trimmed ? trimmed : null;
        }
        if (userId is null && anonymousId is null) return null;
        switch (type)
        {
            case "alias" when userId is null || previousId is null:
            case "group" when groupId is null:
            case "track" when ends[(int)Field.Event] == 0 || IsBlank(Inner(span, starts, ends, Field.Event)):
                return null;
        }

        var flags = new List<string>(2);
        if (messageId is null)
        {
            messageId = "srv-" + Guid.NewGuid().ToString("D");
            flags.Add("message_id_generated");
        }

        var originalField = ends[(int)Field.OriginalTimestamp] != 0 ? Field.OriginalTimestamp : ends[(int)Field.Timestamp] != 0 ? Field.Timestamp : Field.Other;
        DateTimeOffset? original = null;
        if (originalField != Field.Other) original = EventTime.TryParseUtf8(Inner(span, starts, ends, originalField));
        var ownSentAt = ends[(int)Field.SentAt] != 0 ? Encoding.UTF8.GetString(Inner(span, starts, ends, Field.SentAt)) : null;
        var sentAt = ownSentAt is not null ? EventTime.TryParseUtf8(Inner(span, starts, ends, Field.SentAt)) : EnvelopeSentAt(envelope);
        var timestamp = EventTime.ResolveParsed(original, originalField != Field.Other && original is null, sentAt, ctx.ReceivedAt, flags);
        var headers = HeadersFor(envelope, ctx, ownSentAt, flags);

        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        var w = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        buffer.ResetWrittenCount();
        w.Reset(buffer);
        byte[] data;
        try
        {
            w.WriteStartObject();
            for (var i = 0; i < otherCount; i++)
            {
                w.WritePropertyName(span[others[i * 4]..others[(i * 4) + 1]]);
                w.WriteRawValue(span[others[(i * 4) + 2]..others[(i * 4) + 3]], skipInputValidation: true);
            }
            w.WriteString("type"u8, type);
            WriteRaw(w, "event"u8, span, starts, ends, Field.Event);
            if (userId is not null) w.WriteString("userId"u8, userId);
            if (anonymousId is not null) w.WriteString("anonymousId"u8, anonymousId);
            if (previousId is not null) w.WriteString("previousId"u8, previousId);
            if (groupId is not null) w.WriteString("groupId"u8, groupId);
            w.WriteString("messageId"u8, messageId);
            WriteRaw(w, "properties"u8, span, starts, ends, Field.Properties);
            WriteRaw(w, "traits"u8, span, starts, ends, Field.Traits);
            WriteRaw(w, "context"u8, span, starts, ends, Field.Context);
            WriteRaw(w, "integrations"u8, span, starts, ends, Field.Integrations);
            if (originalField != Field.Other) WriteRaw(w, "originalTimestamp"u8, span, starts, ends, originalField);
            if (ownSentAt is not null)
            {
                WriteRaw(w, "sentAt"u8, span, starts, ends, Field.SentAt);
            }
            else if (envelope.SentAt is { } envelopeSentAt)
            {
                w.WritePropertyName("sentAt"u8);
                envelopeSentAt.WriteTo(w);
            }
            w.WriteString("timestamp"u8, EventTime.FormatUtf8(timestamp, stackalloc byte[24]));
            w.WriteString("receivedAt"u8, ctx.ReceivedAtJson.Value);
            w.WriteEndObject();
            w.Flush();
            data = buffer.WrittenSpan.ToArray();
        }
        finally
        {
            if (buffer.Capacity > 64 * 1024) { t_buffer = null; t_writer = null; } // a rare big item must not pin its buffer
        }

        var streamId = userId is not null ? "user:" + userId : "anon:" + anonymousId;
        var e = new NewEvent(EventIds.ForMessage(ctx.Source.Name, messageId), streamId, type, data, headers, ctx.ReceivedAt);
        return new Candidate(e, message.Index, messageId, message.Raw);
    }

    private static Field FieldOf(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when name.SequenceEqual("type"u8) => Field.Type,
        5 when name.SequenceEqual("event"u8) => Field.Event,
        6 when name.SequenceEqual("userId"u8) => Field.UserId,
        6 when name.SequenceEqual("traits"u8) => Field.Traits,
        6 when name.SequenceEqual("sentAt"u8) => Field.SentAt,
        7 when name.SequenceEqual("context"u8) => Field.Context,
        7 when name.SequenceEqual("groupId"u8) => Field.GroupId,
        8 when name.SequenceEqual("writeKey"u8) => Field.WriteKey,
        9 when name.SequenceEqual("messageId"u8) => Field.MessageId,
        9 when name.SequenceEqual("timestamp"u8) => Field.Timestamp,
        10 when name.SequenceEqual("properties"u8) => Field.Properties,
        10 when name.SequenceEqual("previousId"u8) => Field.PreviousId,
        10 when name.SequenceEqual("receivedAt"u8) => Field.ReceivedAt,
        11 when name.SequenceEqual("anonymousId"u8) => Field.AnonymousId,
        12 when name.SequenceEqual("integrations"u8) => Field.Integrations,
        17 when name.SequenceEqual("originalTimestamp"u8) => Field.OriginalTimestamp,
        _ => Field.Other,
    };

    private static string? KnownType(ReadOnlySpan<byte> value) =>
        value.SequenceEqual("track"u8) ? "track"
        : value.SequenceEqual("page"u8) ? "page"
        : value.SequenceEqual("identify"u8) ? "identify"
        : value.SequenceEqual("screen"u8) ? "screen"
        : value.SequenceEqual("group"u8) ? "group"
        : value.SequenceEqual("alias"u8) ? "alias"
        : null; // other spellings ("Track ", "PAGE") and invalid types: the general path

    /// <summary>An id field: absent or blank → null; too long → false (the general path rejects it).</summary>
    private static bool TryId(ReadOnlySpan<byte> span, Span<int> starts, Span<int> ends, Field field, out string? id)
    {
        id = null;
        if (ends[(int)field] == 0) return true;
        var text = Encoding.UTF8.GetString(Inner(span, starts, ends, field)).Trim();
        if (text.Length > IngestionLimits.MaxIdLength) return false;
        if (text.Length > 0) id = text;
        return true;
    }

    /// <summary>A string field's bytes between the quotes (only unescaped strings are recorded).</summary>
    private static ReadOnlySpan<byte> Inner(ReadOnlySpan<byte> span, Span<int> starts, Span<int> ends, Field field) =>
        span[(starts[(int)field] + 1)..(ends[(int)field] - 1)];

    private static bool IsBlank(ReadOnlySpan<byte> utf8)
    {
        foreach (var b in utf8)
        {
            if (b >= 0x80) return string.IsNullOrWhiteSpace(Encoding.UTF8.GetString(utf8)); // Unicode spaces
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C)) return false;
        }
        return true;
    }

    private static void WriteRaw(Utf8JsonWriter w, ReadOnlySpan<byte> name, ReadOnlySpan<byte> span, Span<int> starts, Span<int> ends, Field field)
    {
        if (ends[(int)field] == 0) return;
        w.WritePropertyName(name);
        w.WriteRawValue(span[starts[(int)field]..ends[(int)field]], skipInputValidation: true);
    }

    /// <summary>Where the current value ends (exclusive), the reader being on its last token.</summary>
    private static int ValueEnd(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.EndObject or JsonTokenType.EndArray => (int)reader.TokenStartIndex + 1,
        JsonTokenType.String => (int)reader.TokenStartIndex + reader.ValueSpan.Length + 2,
        _ => (int)reader.TokenStartIndex + reader.ValueSpan.Length,
    };

    /// <summary>
    /// Whether the value at the reader (read to its end) is stored exactly as sent by the general path: no string
    /// the parser would change (NUL, lone surrogates and invalid UTF-8 only come in through \u escapes or bad bytes),
    /// no number PostgreSQL numeric cannot hold, no nesting past <see cref="SafeJsonParser.MaxMessageDepth"/>.
    /// </summary>
    private static bool IsClean(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String: return IsCleanString(ref reader);
            case JsonTokenType.Number: return SafeJsonParser.IsStorableNumber(reader.ValueSpan);
            case JsonTokenType.StartObject or JsonTokenType.StartArray: break;
            default: return true;
        }
        var depth = reader.CurrentDepth;
        if (depth >= SafeJsonParser.MaxMessageDepth) return false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    if (reader.CurrentDepth >= SafeJsonParser.MaxMessageDepth) return false;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    if (reader.CurrentDepth == depth) return true;
                    break;
                case JsonTokenType.PropertyName or JsonTokenType.String:
                    if (!IsCleanString(ref reader)) return false;
                    break;
                case JsonTokenType.Number:
                    if (!SafeJsonParser.IsStorableNumber(reader.ValueSpan)) return false;
                    break;
            }
        }
        return false;
    }

    private static bool IsCleanString(ref Utf8JsonReader reader) =>
        (!reader.ValueIsEscaped || reader.ValueSpan.IndexOf("\\u"u8) < 0) && Utf8.IsValid(reader.ValueSpan);

    /// <summary>The envelope's sentAt, parsed once per request.</summary>
    private static DateTimeOffset? EnvelopeSentAt(SegmentBody envelope)
    {
        if (envelope.LastSentAt is { } last && ReferenceEquals(last.Tree, envelope.SentAt)) return last.Parsed;
        var parsed = EventTime.TryParse(envelope.SentAt);
        envelope.LastSentAt = (envelope.SentAt, parsed);
        return parsed;
    }

    /// <summary>Items of one batch mostly share sentAt and flags, so their headers are the same text: build it once.</summary>
    private static string HeadersFor(SegmentBody envelope, IngestContext ctx, string? ownSentAt, List<string> flags)
    {
        var flagKey = flags.Count == 0 ? "" : string.Join(',', flags);
        if (envelope.LastStreamedHeaders is { } last && last.OwnSentAt == ownSentAt && last.Flags == flagKey) return last.Headers;
        var headers = MessageNormalizer.Headers(ctx, ownSentAt is not null ? new JsonText(ownSentAt) : envelope.SentAt, flags);
        envelope.LastStreamedHeaders = (ownSentAt, flagKey, headers);
        return headers;
    }
}

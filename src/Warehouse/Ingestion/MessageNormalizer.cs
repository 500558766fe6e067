using System.Text;
using System.Text.Json;
using Warehouse.EventStore;
using Warehouse.Ingestion.Json;

namespace Warehouse.Ingestion;

/// <summary>
/// Validates one Segment message and turns it into the event docs/event-format.md describes: type set, ids as
/// strings, a messageId (the client's or srv-&lt;uuid&gt;), the corrected timestamp, the envelope's context and
/// integrations merged in, writeKey removed. Everything else the client sent is kept as it was.
/// </summary>
public static class MessageNormalizer
{
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
        { "track", "identify", "page", "screen", "group", "alias" };

    private static readonly string[] IdFields = ["userId", "anonymousId", "previousId", "groupId"];
    private static readonly string[] ObjectFields = ["properties", "traits", "context", "integrations"];

    /// <returns>The event to append, or null with <paramref name="rejection"/> set.</returns>
    public static Candidate? Normalize(RawMessage message, string? pathType, SegmentBody envelope, IngestContext ctx,
        out Rejection? rejection)
    {
        rejection = null;
        // Batch items that need nothing unusual are written straight from their bytes; the rest (and single calls,
        // whose tree the endpoint built already) take the tree path below, which owns every rule and reason.
        if (!message.IsParsed && StreamingNormalizer.TryNormalize(message, pathType, envelope, ctx) is { } streamed) return streamed;
        var obj = message.Tree as JsonObject;
        var messageId = obj is null ? null : TrimmedId(obj["messageId"]);
        var reason = obj is null ? "the message is not a JSON object" : message.Problem ?? Validate(obj, pathType);
        if (reason is null && message.Raw.Length > IngestionLimits.MaxMessageBytes)
            reason = $"the message is {message.Raw.Length} bytes; the limit is {IngestionLimits.MaxMessageBytes} bytes (32 KB) per message";
        if (reason is not null)
        {
            rejection = new Rejection(message.Index, messageId, reason, message.Raw);
            return null;
        }
        return Build(obj!, messageId, envelope, ctx, message);
    }

    /// <summary>Checks the rules of tracker-formats.md §1.3-1.4, fixing ids in place; null when the message is fine.</summary>
    private static string? Validate(JsonObject obj, string? pathType)
    {
        string type;
        if (pathType is not null)
        {
            type = pathType; // single-call paths imply the type, whatever the body says (as RudderStack does)
        }
        else if (obj["type"] is JsonText { Value: var t } && Types.Contains(t.Trim().ToLowerInvariant()))
        {
            type = t.Trim().ToLowerInvariant();
        }
        else
        {
            return obj["type"] is null
                ? "type is missing; every batch item needs one of track, identify, page, screen, group, alias"
                : "type must be one of track, identify, page, screen, group, alias";
        }
        obj["type"] = new JsonText(type);

        foreach (var field in IdFields)
        {
            var value = obj[field];
            if (value is null) continue;
            if (value.IsNull) { obj.Remove(field); continue; }
            if (value.ScalarText is not { } text) return $"{field} must be a string or a number";
            text = text.Trim();
            if (text.Length == 0) { obj.Remove(field); continue; }
            if (text.Length > IngestionLimits.MaxIdLength) return $"{field} is longer than {IngestionLimits.MaxIdLength} characters";
            obj[field] = new JsonText(text);
        }

        var messageId = obj["messageId"];
        if (messageId is not null && !messageId.IsNull && messageId.ScalarText is null) return "messageId must be a string or a number";
        if (messageId?.ScalarText is { Length: > IngestionLimits.MaxIdLength }) return $"messageId is longer than {IngestionLimits.MaxIdLength} characters";

        foreach (var field in ObjectFields)
        {
            var value = obj[field];
            if (value is null) continue;
            if (value.IsNull) { obj.Remove(field); continue; }
            if (value is not JsonObject) return $"{field} must be a JSON object";
        }

        var hasUser = obj.ContainsKey("userId");
        switch (type)
        {
            case "alias":
                if (!hasUser || !obj.ContainsKey("previousId")) return "alias needs userId and previousId";
                break;
            case "group" when !obj.ContainsKey("groupId"):
                return "group needs groupId";
        }
        if (!hasUser && !obj.ContainsKey("anonymousId")) return "userId or anonymousId is required";
        if (type == "track" && (obj["event"] is not JsonText { Value: var name } || string.IsNullOrWhiteSpace(name)))
            return "track needs an event name (a non-empty string in \"event\")";
        return null;
    }

    private static Candidate Build(JsonObject obj, string? messageId, SegmentBody envelope, IngestContext ctx, RawMessage message)
    {
        var flags = new List<string>(2);
        if (messageId is null)
        {
            messageId = "srv-" + Guid.NewGuid().ToString("D");
            flags.Add("message_id_generated");
        }
        obj["messageId"] = new JsonText(messageId);
        obj.Remove("writeKey");

        MergeInto(obj, "context", envelope.Context);
        MergeInto(obj, "integrations", envelope.Integrations);

        var original = obj["originalTimestamp"] ?? obj["timestamp"];
        var sent = obj["sentAt"] ?? envelope.SentAt;
        DateTimeOffset? sentAt;
        if (envelope.LastSentAt is { } last0 && ReferenceEquals(last0.Tree, sent))
        {
            sentAt = last0.Parsed;
        }
        else
        {
            sentAt = EventTime.TryParse(sent);
            envelope.LastSentAt = (sent, sentAt);
        }
        var timestamp = EventTime.ResolveParsed(original, sentAt, ctx.ReceivedAt, flags);
        if (original is not null) obj["originalTimestamp"] = original;
        if (sent is not null) obj["sentAt"] = sent;
        obj["timestamp"] = new JsonText(EventTime.Format(timestamp));
        obj["receivedAt"] = ctx.ReceivedAtJson;

        var type = ((JsonText)obj["type"]!).Value;
        var streamId = obj["userId"] is JsonText user ? "user:" + user.Value : "anon:" + ((JsonText)obj["anonymousId"]!).Value;
        // Items of one batch mostly share sentAt and flags, so their headers are the same text: build it once.
        var flagKey = flags.Count == 0 ? "" : string.Join(',', flags);
        string headers;
        if (envelope.LastHeaders is { } last && ReferenceEquals(last.SentAt, sent) && last.Flags == flagKey)
        {
            headers = last.Headers;
        }
        else
        {
            headers = Headers(ctx, sent, flags);
            envelope.LastHeaders = (sent, flagKey, headers);
        }
        // UTF-8 straight from the writer to COPY: no UTF-16 string per event (issue 4's throughput work).
        var e = new NewEvent(EventIds.ForMessage(ctx.Source.Name, messageId), streamId, type, obj.ToJsonUtf8(), headers, ctx.ReceivedAt);
        return new Candidate(e, message.Index, messageId, message.Raw);
    }

    /// <summary>Shallow merge: the envelope's keys fill in what the message does not have (its own keys win).</summary>
    private static void MergeInto(JsonObject obj, string field, JsonObject? fromEnvelope)
    {
        if (fromEnvelope is null || fromEnvelope.Properties.Count == 0) return;
        if (obj[field] is not JsonObject target)
        {
            target = new JsonObject();
            obj[field] = target;
        }
        foreach (var (key, value) in fromEnvelope.Properties)
            if (!target.ContainsKey(key)) target[key] = value;
    }

    private static string? TrimmedId(JsonTree? value) => value?.ScalarText?.Trim() is { Length: > 0 } s ? s : null;

    internal static string Headers(IngestContext ctx, JsonTree? sentAt, List<string>? flags)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("source", ctx.Source.Name);
            w.WriteString("receivedAt", EventTime.Format(ctx.ReceivedAt));
            if (sentAt is not null && !sentAt.IsNull) { w.WritePropertyName("sentAt"); sentAt.WriteTo(w); }
            if (ctx.Ip is not null) w.WriteString("ip", ctx.Ip);
            if (ctx.UserAgent is not null) w.WriteString("userAgent", SafeJsonParser.MakeStorable(ctx.UserAgent));
            w.WriteString("path", ctx.Path);
            if (flags is { Count: > 0 })
            {
                w.WriteStartArray("flags");
                foreach (var f in flags) w.WriteStringValue(f);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

using System.Text;
using System.Text.Json;
using Warehouse.Ingestion;
using Warehouse.Ingestion.Json;

namespace Warehouse.Tests.Ingestion;

/// <summary>
/// The streaming path must store exactly what the tree path stores (as jsonb sees it: key order and repeated keys
/// below the top level aside), and must hand everything unusual to the tree path.
/// </summary>
public sealed class StreamingNormalizerTests
{
    private static readonly IngestContext Ctx = new(new Source(7, "web", null, DateTimeOffset.UnixEpoch, null, "wk_"), "/v1/batch",
        new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), "203.0.113.9", "Mozilla/5.0");

    private const string Common = "\"messageId\":\"m-1\",\"anonymousId\":\"a-1\"";

    [Theory]
    [InlineData("{\"type\":\"track\",\"event\":\"Product Viewed\"," + Common + ",\"timestamp\":\"2026-11-22T09:59:58Z\",\"properties\":{\"price\":49.99,\"big\":12345678901234567890123,\"n\":null,\"ok\":true,\"list\":[1,\"x\",{\"y\":[]}]}}")]
    [InlineData("{\"type\":\"identify\",\"userId\":\"  u-9 \"," + Common + ",\"traits\":{\"email\":\"a@b.c\",\"name\":\"漢字 é ☕ 🚀\"},\"writeKey\":\"secret\",\"receivedAt\":\"1999-01-01T00:00:00Z\"}")]
    [InlineData("{\"type\":\"page\",\"name\":\"Home\"," + Common + ",\"originalTimestamp\":\"2026-11-22T09:30:00+05:30\",\"timestamp\":\"x\",\"sentAt\":\"2026-11-22T09:31:00+05:30\",\"context\":{\"page\":{\"path\":\"/\"}},\"integrations\":{\"All\":true}}")]
    [InlineData("{\"type\":\"alias\",\"userId\":\"u-1\",\"previousId\":\"a-1\",\"messageId\":\" m-2 \",\"timestamp\":\"not a time\"}")]
    [InlineData("{\"type\":\"group\",\"groupId\":\"g-1\"," + Common + ",\"traits\":{\"a\":\"tab\\tquote\\\"slash\\/\"},\"custom\":{\"a\":1,\"a\":2},\"x\":-0.5e-3}")]
    [InlineData("{ \"type\" : \"screen\" , \"name\" : \"S\" , " + Common + " , \"timestamp\" : \"2030-01-01T00:00:00Z\" , \"properties\" : { \"k\" : [ 1 , 2 ] } }")]
    [InlineData("{\"type\":\"track\",\"event\":\"E\",\"userId\":\"\",\"anonymousId\":\"a-3\",\"messageId\":\"m-3\"}")]
    public void a_plain_item_is_streamed_and_stored_as_the_tree_path_stores_it(string item)
    {
        var (streamed, general) = BothPaths(item);
        Assert.NotNull(streamed);
        Assert.NotNull(general);
        Assert.Equal(Canonical(general.Event.Data), Canonical(streamed.Event.Data));
        Assert.Equal(general.Event.Id, streamed.Event.Id);
        Assert.Equal(general.Event.StreamId, streamed.Event.StreamId);
        Assert.Equal(general.Event.Type, streamed.Event.Type);
        Assert.Equal(general.Event.Headers, streamed.Event.Headers);
        Assert.Equal(general.Event.Timestamp, streamed.Event.Timestamp);
        Assert.Equal(general.MessageId, streamed.MessageId);
    }

    [Theory]
    [InlineData("{\"type\":\"track\",\"event\":\"E\"," + Common + ",\"properties\":{\"k\":\"a\\u0000b\"}}")] // NUL
    [InlineData("{\"type\":\"track\",\"event\":\"E\"," + Common + ",\"properties\":{\"k\":\"\\ud800\"}}")] // lone surrogate
    [InlineData("{\"type\":\"track\",\"event\":\"E\"," + Common + ",\"properties\":{\"k\\u0041\":1}}")] // escaped key
    [InlineData("{\"type\":\"track\",\"event\":\"E\"," + Common + ",\"userId\":\"u\",\"userId\":\"v\"}")] // top-level key twice
    [InlineData("{\"type\":\"track\",\"event\":\"E\"," + Common + ",\"x\":1,\"x\":2}")] // other top-level key twice
    [InlineData("{\"type\":\"track\",\"event\":\"E\"," + Common + ",\"properties\":{\"n\":1e1001}}")] // number numeric cannot hold
    [InlineData("{\"type\":\"Track \",\"event\":\"E\"," + Common + "}")] // spelling the tree path fixes
    [InlineData("{\"type\":\"track\",\"event\":\"E\",\"messageId\":\"m\",\"userId\":42}")] // numeric id
    [InlineData("{\"type\":\"track\",\"event\":\"E\"," + Common + ",\"properties\":null}")] // null object field
    [InlineData("{\"type\":\"track\",\"event\":\"E\"," + Common + ",\"context\":\"x\"}")] // invalid object field
    [InlineData("{\"type\":\"track\",\"event\":\"  \"," + Common + "}")] // blank event name
    [InlineData("{\"type\":\"track\"," + Common + "}")] // no event name
    [InlineData("{\"type\":\"alias\"," + Common + "}")] // alias without userId
    [InlineData("{\"type\":\"track\",\"event\":\"E\",\"messageId\":\"m\"}")] // no user
    [InlineData("{\"type\":\"track\",\"event\":\"E\"," + Common + ",\"sentAt\":null}")] // sentAt not a string
    [InlineData("[1,2]")]
    public void an_unusual_item_goes_the_tree_path(string item)
    {
        var (streamed, _) = BothPaths(item);
        Assert.Null(streamed);
    }

    [Fact]
    public void nesting_past_the_limit_goes_the_tree_path_which_rejects_it()
    {
        var deep = new string('[', 256) + new string(']', 256);
        var (streamed, general) = BothPaths("{\"type\":\"track\",\"event\":\"E\"," + Common + ",\"properties\":{\"d\":" + deep + "}}");
        Assert.Null(streamed);
        Assert.Null(general);
    }

    [Fact]
    public void an_envelope_context_to_merge_sends_every_item_the_tree_path()
    {
        var body = SegmentBody.ParseBatch(Encoding.UTF8.GetBytes("{\"context\":{\"ip\":\"1.2.3.4\"},\"batch\":[{\"type\":\"track\",\"event\":\"E\"," + Common + "}]}"));
        Assert.Null(StreamingNormalizer.TryNormalize(body.Messages[0], null, body, Ctx));
        Assert.NotNull(MessageNormalizer.Normalize(body.Messages[0], null, body, Ctx, out _));
    }

    [Fact]
    public void a_path_type_replaces_whatever_type_the_item_has()
    {
        var body = SegmentBody.ParseBatch(Encoding.UTF8.GetBytes("{\"batch\":[{\"type\":{\"odd\":1}," + Common + ",\"name\":\"P\"}]}"));
        var streamed = StreamingNormalizer.TryNormalize(body.Messages[0], "page", body, Ctx);
        Assert.NotNull(streamed);
        Assert.Equal("page", streamed.Event.Type);
        Assert.Equal("page", JsonDocument.Parse(streamed.Event.Data).RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public void a_generated_message_id_is_flagged_as_on_the_tree_path()
    {
        var body = SegmentBody.ParseBatch(Encoding.UTF8.GetBytes("{\"batch\":[{\"type\":\"track\",\"event\":\"E\",\"anonymousId\":\"a\",\"messageId\":\" \"}]}"));
        var streamed = StreamingNormalizer.TryNormalize(body.Messages[0], null, body, Ctx);
        Assert.NotNull(streamed);
        Assert.StartsWith("srv-", streamed.MessageId, StringComparison.Ordinal);
        Assert.Contains("message_id_generated", streamed.Event.Headers, StringComparison.Ordinal);
    }

    /// <summary>The item in a batch with a sentAt, normalised by the streaming path and by the tree path.</summary>
    private static (Candidate? Streamed, Candidate? General) BothPaths(string item)
    {
        var bytes = Encoding.UTF8.GetBytes("{\"sentAt\":\"2026-11-22T09:59:59Z\",\"batch\":[" + item + "]}");
        var streamedBody = SegmentBody.ParseBatch(bytes);
        var streamed = StreamingNormalizer.TryNormalize(streamedBody.Messages[0], null, streamedBody, Ctx);

        var generalBody = SegmentBody.ParseBatch(bytes);
        var raw = generalBody.Messages[0].Raw;
        var tree = SafeJsonParser.Parse(raw.Span, out var problem);
        var general = MessageNormalizer.Normalize(new RawMessage(0, tree, raw, problem), null, generalBody, Ctx, out _);
        return (streamed, general);
    }

    /// <summary>The JSON as jsonb holds it: keys sorted, a repeated key's last value.</summary>
    private static string Canonical(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) Write(doc.RootElement, w);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);

        static void Write(JsonElement e, Utf8JsonWriter w)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    var last = new SortedDictionary<string, JsonElement>(StringComparer.Ordinal);
                    foreach (var p in e.EnumerateObject()) last[p.Name] = p.Value;
                    w.WriteStartObject();
                    foreach (var (k, v) in last) { w.WritePropertyName(k); Write(v, w); }
                    w.WriteEndObject();
                    break;
                case JsonValueKind.Array:
                    w.WriteStartArray();
                    foreach (var item in e.EnumerateArray()) Write(item, w);
                    w.WriteEndArray();
                    break;
                default:
                    e.WriteTo(w);
                    break;
            }
        }
    }
}

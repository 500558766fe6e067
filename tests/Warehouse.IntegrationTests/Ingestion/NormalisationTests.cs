using System.Net;
using System.Text;
using System.Text.Json;

namespace Warehouse.IntegrationTests.Ingestion;

/// <summary>The validation and normalisation rules of docs/event-format.md, through real HTTP into mt_events.</summary>
public sealed class NormalisationTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    private async Task<StoredRow> StoreOneAsync(string itemJsonWithoutClosingBrace, string envelopeExtra = "")
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString();
        var json = "{" + envelopeExtra + "\"batch\":[" + itemJsonWithoutClosingBrace + ",\"messageId\":\"" + id + "\"}]}";
        using var response = await f.PostAsync("/v1/batch", key, json);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await IngestionServerFixture.JsonAsync(response);
        Assert.True(body.GetProperty("accepted").GetInt32() == 1, body.ToString());
        return Assert.Single(await f.EventsAsync(name, id));
    }

    private static string[] Flags(StoredRow row) =>
        row.Headers.TryGetProperty("flags", out var flags) ? flags.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];

    private static DateTimeOffset Time(JsonElement e, string field) => DateTimeOffset.Parse(e.GetProperty(field).GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task a_timestamp_with_an_offset_is_converted_to_utc_and_the_raw_value_is_kept()
    {
        var row = await StoreOneAsync("""{"type":"track","event":"E","userId":"u","timestamp":"2026-03-01T12:00:00.123456+02:00" """);
        Assert.Equal("2026-03-01T10:00:00.123Z", row.Data.GetProperty("timestamp").GetString());
        Assert.Equal("2026-03-01T12:00:00.123456+02:00", row.Data.GetProperty("originalTimestamp").GetString());
        Assert.Empty(Flags(row));
    }

    [Fact]
    public async Task clock_skew_is_removed_using_the_batch_sent_at()
    {
        // The device clock is 1 hour ahead: it says the event happened 10 s before it sent the batch.
        var sent = DateTimeOffset.UtcNow.AddHours(1);
        var happened = sent.AddSeconds(-10);
        var row = await StoreOneAsync($$"""{"type":"track","event":"E","userId":"u","timestamp":"{{happened:O}}" """, $"\"sentAt\":\"{sent:O}\",");
        var received = Time(row.Data, "receivedAt");
        var corrected = Time(row.Data, "timestamp");
        Assert.InRange((received - corrected).TotalSeconds, 9.9, 10.1);
        Assert.Contains("clock_skew_corrected", Flags(row));
        Assert.Equal($"{sent:O}", row.Data.GetProperty("sentAt").GetString());
    }

    [Fact]
    public async Task a_future_timestamp_without_sent_at_is_clamped_to_the_received_time()
    {
        var row = await StoreOneAsync("""{"type":"track","event":"E","userId":"u","timestamp":"2099-01-01T00:00:00Z" """);
        Assert.Equal(row.Data.GetProperty("receivedAt").GetString(), row.Data.GetProperty("timestamp").GetString());
        Assert.Contains("timestamp_clamped", Flags(row));
        Assert.Equal("2099-01-01T00:00:00Z", row.Data.GetProperty("originalTimestamp").GetString());
    }

    [Theory]
    [InlineData("\"yesterday-ish\"")]
    [InlineData("\"2026-13-45T99:00:00Z\"")]
    [InlineData("12345")]
    [InlineData("{\"when\":\"now\"}")]
    public async Task an_unparseable_timestamp_is_replaced_by_the_received_time_and_flagged(string timestamp)
    {
        var row = await StoreOneAsync($$"""{"type":"track","event":"E","userId":"u","timestamp":{{timestamp}} """);
        Assert.Equal(row.Data.GetProperty("receivedAt").GetString(), row.Data.GetProperty("timestamp").GetString());
        Assert.Contains("timestamp_unparseable", Flags(row));
    }

    [Fact]
    public async Task without_any_timestamp_the_event_time_is_the_received_time()
    {
        var row = await StoreOneAsync("""{"type":"page","anonymousId":"v" """);
        Assert.Equal(row.Data.GetProperty("receivedAt").GetString(), row.Data.GetProperty("timestamp").GetString());
        Assert.Empty(Flags(row));
    }

    [Fact]
    public async Task nul_characters_and_lone_surrogates_are_made_storable_in_keys_and_values()
    {
        var row = await StoreOneAsync("""{"type":"track","event":"E\u0000vil","userId":"u","properties":{"a\u0000b":"x\ud800y","low":"\udc00","pair":"\ud83d\ude00"}""");
        Assert.Equal("Evil", row.Data.GetProperty("event").GetString());
        var props = row.Data.GetProperty("properties");
        Assert.Equal("x\uFFFDy", props.GetProperty("ab").GetString());
        Assert.Equal("\uFFFD", props.GetProperty("low").GetString());
        Assert.Equal("😀", props.GetProperty("pair").GetString());
    }

    [Fact]
    public async Task invalid_utf8_bytes_are_replaced_not_refused()
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString();
        var bytes = Encoding.UTF8.GetBytes($$$"""{"event":"E","userId":"u","messageId":"{{{id}}}","properties":{"bad":"a?b"}}""");
        bytes[Array.IndexOf(bytes, (byte)'?')] = 0xFF;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/track") { Content = new ByteArrayContent(bytes) };
        request.Headers.Authorization = IngestionServerFixture.Basic(key);
        using var response = await f.Server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("a\uFFFDb", Assert.Single(await f.EventsAsync(name, id)).Data.GetProperty("properties").GetProperty("bad").GetString());
    }

    [Fact]
    public async Task nesting_of_100_levels_is_accepted_and_past_256_the_message_alone_is_rejected()
    {
        var deep100 = string.Concat(Enumerable.Repeat("{\"d\":", 100)) + "1" + new string('}', 100);
        var row = await StoreOneAsync($$"""{"type":"track","event":"E","userId":"u","properties":{{deep100}}""");
        var node = row.Data.GetProperty("properties");
        for (var i = 0; i < 99; i++) node = node.GetProperty("d");
        Assert.Equal(1, node.GetProperty("d").GetInt32());

        var (name, key) = await f.NewSourceAsync();
        var deep300 = string.Concat(Enumerable.Repeat("[", 300)) + new string(']', 300);
        using var response = await f.PostAsync("/v1/batch", key,
            $$$"""{"batch":[{"type":"track","event":"E","userId":"u","properties":{"x":{{{deep300}}}}},{"type":"track","event":"E","userId":"u"}]}""");
        var body = await IngestionServerFixture.JsonAsync(response);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Contains("nested deeper", body.GetProperty("rejected")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task numbers_are_kept_exactly_as_sent()
    {
        var row = await StoreOneAsync("""{"type":"track","event":"E","userId":9007199254740993,"properties":{"big":12345678901234567890,"odd":9007199254740993,"price":19.990,"tiny":1e-7,"huge":1.5e300}""");
        Assert.Equal("9007199254740993", row.Data.GetProperty("userId").GetString());
        var props = row.Data.GetProperty("properties");
        Assert.Equal("12345678901234567890", props.GetProperty("big").GetRawText());
        Assert.Equal("9007199254740993", props.GetProperty("odd").GetRawText());
        Assert.Equal(19.990m, props.GetProperty("price").GetDecimal());
        Assert.Equal(1e-7m, props.GetProperty("tiny").GetDecimal());
        Assert.Equal("user:9007199254740993", row.StreamId);
    }

    [Fact]
    public async Task a_number_postgresql_cannot_hold_rejects_only_its_message()
    {
        var (name, key) = await f.NewSourceAsync();
        using var response = await f.PostAsync("/v1/batch", key,
            """{"batch":[{"type":"track","event":"E","userId":"u","properties":{"n":1e5000}},{"type":"track","event":"E","userId":"u"}]}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await IngestionServerFixture.JsonAsync(response);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Contains("outside what the database can store", body.GetProperty("rejected")[0].GetProperty("reason").GetString());
        Assert.Single(await f.QuarantineAsync(name));
    }

    [Fact]
    public async Task non_ascii_text_is_kept_verbatim()
    {
        var row = await StoreOneAsync("""{"type":"track","event":"Añadido al carrito 🛒","userId":"ユーザー","properties":{"name":"Ĉu? 漢字 — ✓"}""");
        Assert.Equal("Añadido al carrito 🛒", row.Data.GetProperty("event").GetString());
        Assert.Equal("user:ユーザー", row.StreamId);
        Assert.Equal("Ĉu? 漢字 — ✓", row.Data.GetProperty("properties").GetProperty("name").GetString());
    }

    [Fact]
    public async Task a_repeated_json_key_keeps_the_last_value()
    {
        var row = await StoreOneAsync("""{"type":"track","event":"First","event":"Last","userId":"u","properties":{"a":1,"a":{"b":2}}""");
        Assert.Equal("Last", row.Data.GetProperty("event").GetString());
        Assert.Equal(2, row.Data.GetProperty("properties").GetProperty("a").GetProperty("b").GetInt32());
    }

    [Fact]
    public async Task the_envelope_context_and_integrations_are_merged_and_the_items_own_keys_win()
    {
        var row = await StoreOneAsync("""{"type":"track","event":"E","userId":"u","context":{"locale":"fr-FR"},"integrations":{"All":false}""",
            """
            "context":{"locale":"en-US","library":{"name":"analytics-python"}},"integrations":{"All":true,"Mixpanel":false},"writeKey":"ignored-in-data",
            """);
        var context = row.Data.GetProperty("context");
        Assert.Equal("fr-FR", context.GetProperty("locale").GetString());
        Assert.Equal("analytics-python", context.GetProperty("library").GetProperty("name").GetString());
        Assert.False(row.Data.GetProperty("integrations").GetProperty("All").GetBoolean());
        Assert.False(row.Data.GetProperty("integrations").GetProperty("Mixpanel").GetBoolean());
        Assert.False(row.Data.TryGetProperty("writeKey", out _));
    }

    [Fact]
    public async Task ids_are_trimmed_and_stringified_and_an_empty_user_id_falls_back_to_the_anonymous_id()
    {
        var row = await StoreOneAsync("""{"type":"track","event":"E","userId":"  ","anonymousId":"  anon-7  ","context":{"unknown":[1,true,null]},"custom":{"kept":true}""");
        Assert.Equal("anon:anon-7", row.StreamId);
        Assert.False(row.Data.TryGetProperty("userId", out _));
        Assert.True(row.Data.GetProperty("custom").GetProperty("kept").GetBoolean());
        Assert.Equal(3, row.Data.GetProperty("context").GetProperty("unknown").GetArrayLength());
    }
}

using System.Net;
using System.Text;

namespace Warehouse.IntegrationTests.Ingestion;

public sealed class BatchTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    [Fact]
    public async Task a_batch_mixing_valid_and_invalid_messages_stores_the_valid_ones_and_lists_and_quarantines_each_reject()
    {
        var (name, key) = await f.NewSourceAsync();
        var p = Guid.NewGuid().ToString("N")[..8];
        var json = $$$"""
            {"batch":[
              {"type":"track","event":"Product Viewed","userId":"u1","messageId":"{{{p}}}-ok1"},
              {"type":"track","userId":"u1","messageId":"{{{p}}}-noevent"},
              {"type":"track","event":"X","messageId":"{{{p}}}-noid"},
              {"type":"bogus","userId":"u1","messageId":"{{{p}}}-badtype"},
              {"event":"X","userId":"u1","messageId":"{{{p}}}-notype"},
              "not an object",
              {"type":"identify","userId":12345678901234567890,"messageId":"{{{p}}}-ok2","traits":{"plan":"pro"}},
              {"type":"alias","userId":"u1","messageId":"{{{p}}}-noprev"},
              {"type":"group","userId":"u1","messageId":"{{{p}}}-nogroup"},
              {"type":"track","event":"X","userId":{"nested":true},"messageId":"{{{p}}}-objid"},
              {"type":"track","event":"X","userId":"u1","properties":[1,2],"messageId":"{{{p}}}-props"}
            ]}
            """;
        using var response = await f.PostAsync("/v1/batch", key, json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await IngestionServerFixture.JsonAsync(response);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(0, body.GetProperty("duplicates").GetInt32());
        var rejected = body.GetProperty("rejected").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4, 5, 7, 8, 9, 10], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal($"{p}-noevent", rejected[0].GetProperty("messageId").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, rejected[4].GetProperty("messageId").ValueKind);
        Assert.Contains("event name", rejected[0].GetProperty("reason").GetString());
        Assert.Contains("userId or anonymousId", rejected[1].GetProperty("reason").GetString());
        Assert.Contains("type must be one of", rejected[2].GetProperty("reason").GetString());
        Assert.Contains("type is missing", rejected[3].GetProperty("reason").GetString());
        Assert.Contains("not a JSON object", rejected[4].GetProperty("reason").GetString());
        Assert.Contains("previousId", rejected[5].GetProperty("reason").GetString());
        Assert.Contains("groupId", rejected[6].GetProperty("reason").GetString());
        Assert.Contains("string or a number", rejected[7].GetProperty("reason").GetString());
        Assert.Contains("properties must be a JSON object", rejected[8].GetProperty("reason").GetString());

        // Sequence order across streams is not input order (parallel writer lanes), so order by message id.
        var stored = (await f.EventsAsync(name)).OrderBy(s => s.Data.GetProperty("messageId").GetString(), StringComparer.Ordinal).ToList();
        Assert.Equal([$"{p}-ok1", $"{p}-ok2"], stored.Select(s => s.Data.GetProperty("messageId").GetString()));
        Assert.Equal("12345678901234567890", stored[1].Data.GetProperty("userId").GetString());

        var quarantine = await f.QuarantineAsync(name);
        Assert.Equal(9, quarantine.Count);
        var notObject = quarantine.Single(q => q.BatchIndex == 5);
        Assert.Equal("\"not an object\"", Encoding.UTF8.GetString(notObject.Raw));
        Assert.Equal("/v1/batch", notObject.Path);
        Assert.Contains("\"messageId\":\"" + p + "-noevent\"", quarantine.Single(q => q.BatchIndex == 1).RawText);
    }

    [Fact]
    public async Task a_batch_without_any_valid_message_gets_400_with_every_reject_listed()
    {
        var (name, key) = await f.NewSourceAsync();
        using var response = await f.PostAsync("/v1/batch", key, """{"batch":[{"type":"track","userId":"u"},{"type":"page"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await IngestionServerFixture.JsonAsync(response);
        Assert.Equal("no_valid_messages", body.GetProperty("code").GetString());
        Assert.Equal(2, body.GetProperty("rejected").GetArrayLength());
        Assert.Equal(2, (await f.QuarantineAsync(name)).Count);
    }

    [Theory]
    [InlineData("""{"batch":[]}""", "empty_batch")]
    [InlineData("""{"events":[]}""", "invalid_body")]
    [InlineData("""[{"type":"track"}]""", "invalid_body")]
    [InlineData("""{"batch":{"type":"track"}}""", "invalid_body")]
    [InlineData("", "invalid_json")]
    [InlineData("nope", "invalid_json")]
    public async Task a_body_that_is_not_a_batch_gets_400_with_a_code(string json, string code)
    {
        var (_, key) = await f.NewSourceAsync();
        using var response = await f.PostAsync("/v1/batch", key, json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (await IngestionServerFixture.JsonAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task an_invalid_single_call_gets_400_and_is_quarantined()
    {
        var (name, key) = await f.NewSourceAsync();
        using var response = await f.PostAsync("/v1/track", key, """{"userId":"u","messageId":"single-bad"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await IngestionServerFixture.JsonAsync(response);
        Assert.Equal("invalid_message", body.GetProperty("code").GetString());
        Assert.Contains("event name", body.GetProperty("message").GetString());
        Assert.Equal("single-bad", Assert.Single(await f.QuarantineAsync(name)).MessageId);
    }

    [Fact]
    public async Task duplicates_inside_a_batch_and_across_requests_are_counted_and_the_first_copy_wins()
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString();
        var other = Guid.NewGuid().ToString();
        var json = $$"""{"batch":[{"type":"track","event":"First","userId":"u","messageId":"{{id}}"},{"type":"track","event":"Second","userId":"u","messageId":"{{id}}"},{"type":"track","event":"Other","userId":"u","messageId":"{{other}}"}]}""";
        using (var first = await f.PostAsync("/v1/batch", key, json))
        {
            var body = await IngestionServerFixture.JsonAsync(first);
            Assert.Equal(2, body.GetProperty("accepted").GetInt32());
            Assert.Equal(1, body.GetProperty("duplicates").GetInt32());
        }
        using (var retry = await f.PostAsync("/v1/batch", key, json))
        {
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            var body = await IngestionServerFixture.JsonAsync(retry);
            Assert.Equal(0, body.GetProperty("accepted").GetInt32());
            Assert.Equal(3, body.GetProperty("duplicates").GetInt32());
        }
        using (var single = await f.PostAsync("/v1/track", key, $$"""{"event":"Third","userId":"u","messageId":"{{id}}"}"""))
            Assert.Equal(1, (await IngestionServerFixture.JsonAsync(single)).GetProperty("duplicates").GetInt32());

        var stored = await f.EventsAsync(name, id);
        Assert.Equal("First", Assert.Single(stored).Data.GetProperty("event").GetString());
    }

    [Fact]
    public async Task the_same_message_id_from_two_sources_is_two_events()
    {
        var (a, keyA) = await f.NewSourceAsync();
        var (b, keyB) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString();
        var json = $$"""{"event":"E","userId":"u","messageId":"{{id}}"}""";
        using (await f.PostAsync("/v1/track", keyA, json)) { }
        using (await f.PostAsync("/v1/track", keyB, json)) { }
        Assert.Single(await f.EventsAsync(a, id));
        Assert.Single(await f.EventsAsync(b, id));
    }

    [Fact]
    public async Task a_message_without_message_id_gets_a_server_id_and_is_never_deduplicated_by_content()
    {
        var (name, key) = await f.NewSourceAsync();
        const string json = """{"batch":[{"type":"track","event":"NoId","userId":"u"},{"type":"track","event":"NoId","userId":"u","messageId":"  "}]}""";
        using (var response = await f.PostAsync("/v1/batch", key, json))
            Assert.Equal(2, (await IngestionServerFixture.JsonAsync(response)).GetProperty("accepted").GetInt32());
        using (await f.PostAsync("/v1/batch", key, json)) { }

        var stored = await f.EventsAsync(name);
        Assert.Equal(4, stored.Count);
        Assert.All(stored, s => Assert.StartsWith("srv-", s.Data.GetProperty("messageId").GetString()));
        Assert.All(stored, s => Assert.Contains("message_id_generated", s.Headers.GetProperty("flags").EnumerateArray().Select(x => x.GetString())));
        Assert.Equal(4, stored.Select(s => s.Data.GetProperty("messageId").GetString()).Distinct().Count());
    }
}

using System.Net;
using System.Text;
using Warehouse.Ingestion;

namespace Warehouse.IntegrationTests.Ingestion;

public sealed class EndpointTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    public static TheoryData<string, string> SinglePaths => new()
    {
        { "/v1/track", "track" }, { "/v1/identify", "identify" }, { "/v1/page", "page" }, { "/v1/screen", "screen" },
        { "/v1/group", "group" }, { "/v1/alias", "alias" }, { "/v1/t", "track" }, { "/v1/i", "identify" },
        { "/v1/p", "page" }, { "/v1/s", "screen" }, { "/v1/g", "group" }, { "/v1/a", "alias" },
    };

    [Theory]
    [MemberData(nameof(SinglePaths))]
    public async Task every_single_call_path_stores_one_event_of_the_type_its_path_implies(string path, string type)
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString();
        // The body says "track" on purpose: the path decides the type.
        var json = $$"""{"type":"track","messageId":"{{id}}","userId":"u-{{id}}","previousId":"a-1","groupId":"g-1","event":"Clicked","name":"Home"}""";
        using var response = await f.PostAsync(path, key, json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await IngestionServerFixture.JsonAsync(response);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        var stored = Assert.Single(await f.EventsAsync(name, id));
        Assert.Equal(type, stored.Type);
        Assert.Equal(type, stored.Data.GetProperty("type").GetString());
        Assert.Equal($"user:u-{id}", stored.StreamId);
    }

    [Theory]
    [InlineData("/v1/batch")]
    [InlineData("/v1/import")]
    [InlineData("/v1/b")]
    public async Task every_batch_path_stores_every_item_with_its_own_type(string path)
    {
        var (name, key) = await f.NewSourceAsync();
        var a = Guid.NewGuid().ToString();
        var b = Guid.NewGuid().ToString();
        var json = $$"""{"batch":[{"type":"track","event":"Product Viewed","anonymousId":"v1","messageId":"{{a}}"},{"type":"identify","userId":"42","anonymousId":"v1","messageId":"{{b}}"}]}""";
        using var response = await f.PostAsync(path, key, json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Writer lanes commit streams in parallel: sequence order across streams is not input order.
        var stored = (await f.EventsAsync(name, a, b)).OrderBy(s => s.StreamId, StringComparer.Ordinal).ToList();
        Assert.Equal(["track", "identify"], stored.Select(s => s.Type));
        Assert.Equal(["anon:v1", "user:42"], stored.Select(s => s.StreamId));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/octet-stream")]
    public async Task a_json_body_is_read_as_json_whatever_content_type_the_client_labels_it(string contentType)
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString();
        using var response = await f.PostAsync("/v1/t", key, $$"""{"event":"Signed Up","anonymousId":"v","messageId":"{{id}}"}""", contentType);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await f.EventsAsync(name, id));
    }

    [Fact]
    public async Task basic_auth_works_with_and_without_the_trailing_colon_and_the_body_write_key_works_without_a_header()
    {
        var (name, key) = await f.NewSourceAsync();
        var ids = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid().ToString()).ToArray();

        foreach (var (colon, id) in new[] { (true, ids[0]), (false, ids[1]) })
        {
            using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/track")
            { Content = new StringContent($$"""{"event":"E","userId":"u","messageId":"{{id}}"}""") };
            req.Headers.Authorization = IngestionServerFixture.Basic(key, colon);
            using var res = await f.Server.Client.SendAsync(req);
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        }
        using (var single = await f.Server.Client.PostAsync("/v1/track",
                   new StringContent($$"""{"writeKey":"{{key}}","event":"E","userId":"u","messageId":"{{ids[2]}}"}""")))
            Assert.Equal(HttpStatusCode.OK, single.StatusCode);
        // analytics-python: the key on the batch envelope, and an OAuth-style Bearer header that is not the key.
        using (var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch")
               { Content = new StringContent($$"""{"writeKey":"{{key}}","batch":[{"type":"track","event":"E","userId":"u","messageId":"{{ids[3]}}"}]}""") })
        {
            req.Headers.Authorization = new("Bearer", "some-oauth-token");
            using var res = await f.Server.Client.SendAsync(req);
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        }

        var stored = await f.EventsAsync(name, ids);
        Assert.Equal(4, stored.Count);
        Assert.All(stored, s => Assert.False(s.Data.TryGetProperty("writeKey", out _)));
    }

    [Fact]
    public async Task a_missing_unknown_revoked_or_malformed_write_key_gets_401_with_a_json_error_and_stores_nothing()
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString();
        var json = $$"""{"event":"E","userId":"u","messageId":"{{id}}"}""";

        using (var missing = await f.Server.Client.PostAsync("/v1/track", new StringContent(json)))
            await AssertUnauthorizedAsync(missing, "No write key");
        using (var unknown = await f.PostAsync("/v1/track", "wk_not-a-key", json))
            await AssertUnauthorizedAsync(unknown, "Unknown write key");
        using (var req = new HttpRequestMessage(HttpMethod.Post, "/v1/track") { Content = new StringContent(json) })
        {
            req.Headers.TryAddWithoutValidation("Authorization", "Basic !!!not-base64!!!");
            using var malformed = await f.Server.Client.SendAsync(req);
            await AssertUnauthorizedAsync(malformed, "not valid Basic auth");
        }
        using (var bodyUnknown = await f.Server.Client.PostAsync("/v1/batch", new StringContent("""{"writeKey":"wk_nope","batch":[{"type":"track","event":"E","userId":"u"}]}""")))
            await AssertUnauthorizedAsync(bodyUnknown, "Unknown write key");

        Assert.True(await SourceRegistry.RevokeAsync(f.DataSource, name, CancellationToken.None));
        using (var revoked = await f.PostAsync("/v1/track", key, json))
            await AssertUnauthorizedAsync(revoked, "revoked");

        Assert.Empty(await f.EventsAsync(name));
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string messagePart)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await IngestionServerFixture.JsonAsync(response);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal("unauthorized", body.GetProperty("code").GetString());
        Assert.Contains(messagePart, body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task request_metadata_is_kept_in_headers_and_context_ip_is_never_overwritten()
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString();
        using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch")
        {
            Content = new StringContent($$$"""{"sentAt":"2026-01-01T00:00:00Z","batch":[{"type":"page","anonymousId":"v","messageId":"{{{id}}}","context":{"ip":"198.51.100.7"}}]}"""),
        };
        req.Headers.Authorization = IngestionServerFixture.Basic(key);
        req.Headers.UserAgent.ParseAdd("analytics-test/1.0");
        using var res = await f.Server.Client.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);

        var stored = Assert.Single(await f.EventsAsync(name, id));
        Assert.Equal(name, stored.Headers.GetProperty("source").GetString());
        Assert.Equal("127.0.0.1", stored.Headers.GetProperty("ip").GetString());
        Assert.Equal("analytics-test/1.0", stored.Headers.GetProperty("userAgent").GetString());
        Assert.Equal("2026-01-01T00:00:00Z", stored.Headers.GetProperty("sentAt").GetString());
        Assert.Equal("198.51.100.7", stored.Data.GetProperty("context").GetProperty("ip").GetString());
        Assert.True(stored.Data.TryGetProperty("receivedAt", out _));
    }

    [Fact]
    public async Task the_openapi_document_describes_the_ingestion_endpoints()
    {
        var text = await f.Server.Client.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/v1/track", "/v1/batch", "/v1/import", "/v1/products", "/v1/t" }) Assert.Contains($"\"{path}\"", text);
        Assert.Contains("IngestResponse", text);
    }

    [Fact]
    public async Task a_body_that_is_not_json_gets_400_and_is_quarantined_when_the_source_is_known()
    {
        var (name, key) = await f.NewSourceAsync();
        using var response = await f.PostAsync("/v1/batch", key, "{\"batch\": [ {\"type\": ");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_json", (await IngestionServerFixture.JsonAsync(response)).GetProperty("code").GetString());
        var q = Assert.Single(await f.QuarantineAsync(name));
        Assert.Equal("{\"batch\": [ {\"type\": ", Encoding.UTF8.GetString(q.Raw));
        Assert.Null(q.BatchIndex);
    }
}

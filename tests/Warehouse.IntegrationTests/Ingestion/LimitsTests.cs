using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Warehouse.Host.Api.Ingestion;
using Warehouse.Ingestion;

namespace Warehouse.IntegrationTests.Ingestion;

public sealed class LimitsTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal)) gz.Write(data);
        return output.ToArray();
    }

    private async Task<HttpResponseMessage> PostBytesAsync(string path, string key, byte[] body, string? encoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Headers.Authorization = IngestionServerFixture.Basic(key);
        if (encoding is not null) request.Content.Headers.ContentEncoding.Add(encoding);
        return await f.Server.Client.SendAsync(request);
    }

    /// <summary>A track message padded to exactly <paramref name="bytes"/> UTF-8 bytes with <paramref name="pad"/>.</summary>
    private static string MessageOfSize(string id, int bytes, string pad = "x")
    {
        var head = $$"""{"event":"Padded","anonymousId":"v","messageId":"{{id}}","properties":{"pad":""" + "\"";
        const string tail = "\"}}";
        var room = bytes - Encoding.UTF8.GetByteCount(head + tail);
        var padBytes = Encoding.UTF8.GetByteCount(pad);
        var text = string.Concat(Enumerable.Repeat(pad, room / padBytes)) + new string('x', room % padBytes);
        var json = head + text + tail;
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(json));
        return json;
    }

    [Fact]
    public async Task a_gzip_body_is_inflated_and_a_body_without_content_type_is_read_too()
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString();
        var json = $$"""{"batch":[{"type":"track","event":"Zipped","userId":"u","messageId":"{{id}}"}]}""";
        using (var response = await PostBytesAsync("/v1/batch", key, Gzip(Encoding.UTF8.GetBytes(json)), "gzip"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var plain = Guid.NewGuid().ToString();
        using (var response = await PostBytesAsync("/v1/t", key, Encoding.UTF8.GetBytes($$"""{"event":"Plain","userId":"u","messageId":"{{plain}}"}""")))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await f.EventsAsync(name, id, plain)).Count);
    }

    [Fact]
    public async Task a_corrupt_gzip_body_gets_400_and_an_unknown_encoding_gets_415()
    {
        var (_, key) = await f.NewSourceAsync();
        using (var corrupt = await PostBytesAsync("/v1/batch", key, "definitely not gzip"u8.ToArray(), "gzip"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, corrupt.StatusCode);
            Assert.Equal("invalid_encoding", (await IngestionServerFixture.JsonAsync(corrupt)).GetProperty("code").GetString());
        }
        using var unknown = await PostBytesAsync("/v1/batch", key, "{}"u8.ToArray(), "zstd");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unknown.StatusCode);
    }

    [Fact]
    public async Task a_gzip_bomb_gets_413_over_http()
    {
        var (name, key) = await f.NewSourceAsync();
        var bomb = Gzip(new byte[64 * 1024 * 1024]); // 64 MB of zeros in about 64 KB
        using var response = await PostBytesAsync("/v1/batch", key, bomb, "gzip");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("payload_too_large", (await IngestionServerFixture.JsonAsync(response)).GetProperty("code").GetString());
        Assert.Empty(await f.EventsAsync(name));
    }

    [Fact]
    public async Task inflating_a_gzip_bomb_stops_right_after_the_limit_without_reading_the_rest()
    {
        var bomb = Gzip(new byte[64 * 1024 * 1024]);
        var compressed = new MemoryStream(bomb);
        var http = new DefaultHttpContext();
        http.Request.Body = compressed;
        http.Request.Headers.ContentEncoding = "gzip";

        var (body, error) = await RequestBody.ReadAsync(http.Request, IngestionLimits.MaxBatchBytes, CancellationToken.None);

        Assert.Null(body);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, error!.Status);
        // 500 KB of zeros is about 0.5 KB of deflate: the reader stopped after its first 8 KB buffer, of 64 KB.
        Assert.True(compressed.Position <= 16 * 1024, $"read {compressed.Position} of {bomb.Length} compressed bytes");
    }

    [Fact]
    public async Task a_single_message_of_32_kib_is_accepted_and_one_byte_more_gets_413()
    {
        var (name, key) = await f.NewSourceAsync();
        var ok = Guid.NewGuid().ToString();
        using (var response = await f.PostAsync("/v1/track", key, MessageOfSize(ok, IngestionLimits.MaxMessageBytes)))
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        var over = Guid.NewGuid().ToString();
        using (var response = await f.PostAsync("/v1/track", key, MessageOfSize(over, IngestionLimits.MaxMessageBytes + 1)))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Single(await f.EventsAsync(name, ok, over));
    }

    [Fact]
    public async Task limits_count_utf8_bytes_not_characters()
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString();
        // About 11,000 CJK characters: far under 32,768 chars, but 33,000 UTF-8 bytes.
        var json = MessageOfSize(id, IngestionLimits.MaxMessageBytes + 300, "漢");
        Assert.True(json.Length < IngestionLimits.MaxMessageBytes);
        using var response = await f.PostAsync("/v1/track", key, json);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await f.EventsAsync(name, id));
    }

    [Fact]
    public async Task a_batch_item_over_32_kib_is_rejected_alone_and_the_others_are_stored()
    {
        var (name, key) = await f.NewSourceAsync();
        var big = Guid.NewGuid().ToString();
        var small = Guid.NewGuid().ToString();
        var bigItem = MessageOfSize(big, IngestionLimits.MaxMessageBytes + 1).Replace("{\"event\"", "{\"type\":\"track\",\"event\"", StringComparison.Ordinal);
        var json = $$"""{"batch":[{{bigItem}},{"type":"track","event":"Small","userId":"u","messageId":"{{small}}"}]}""";
        using var response = await f.PostAsync("/v1/batch", key, json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await IngestionServerFixture.JsonAsync(response);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        var rejected = Assert.Single(body.GetProperty("rejected").EnumerateArray());
        Assert.Equal(0, rejected.GetProperty("index").GetInt32());
        Assert.Equal(big, rejected.GetProperty("messageId").GetString());
        Assert.Contains("32 KB", rejected.GetProperty("reason").GetString());
        Assert.Single(await f.EventsAsync(name, big, small));
        Assert.Equal(Encoding.UTF8.GetByteCount(bigItem), Assert.Single(await f.QuarantineAsync(name)).Raw.Length);
    }

    [Fact]
    public async Task a_batch_over_500_kib_gets_413_and_nothing_is_stored_also_when_gzipped()
    {
        var (name, key) = await f.NewSourceAsync();
        var items = Enumerable.Range(0, 40).Select(i =>
            $$$"""{"type":"track","event":"Bulk","userId":"u","messageId":"bulk-{{{i}}}","properties":{"pad":"{{{new string('y', 13_000)}}}"}}""");
        var json = "{\"batch\":[" + string.Join(",", items) + "]}";
        Assert.True(Encoding.UTF8.GetByteCount(json) > IngestionLimits.MaxBatchBytes);

        using (var response = await f.PostAsync("/v1/batch", key, json))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        using (var response = await PostBytesAsync("/v1/batch", key, Gzip(Encoding.UTF8.GetBytes(json)), "gzip"))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await f.EventsAsync(name));

        // Just under the limit is fine.
        var under = "{\"batch\":[" + string.Join(",", items.Take(38)) + "]}";
        Assert.True(Encoding.UTF8.GetByteCount(under) <= IngestionLimits.MaxBatchBytes);
        using (var response = await f.PostAsync("/v1/batch", key, under))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(38, (await f.EventsAsync(name)).Count);
    }
}

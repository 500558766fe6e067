using System.Net;
using System.Text;

namespace Warehouse.IntegrationTests.Ingestion;

/// <summary>Whatever a client sends, the answer is never a 5xx (the database is up here).</summary>
public sealed class HostileBodyTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    private static readonly string[] Paths = ["/v1/batch", "/v1/track", "/v1/identify", "/v1/alias", "/v1/products", "/v1/b"];

    private static IEnumerable<byte[]> HandPicked()
    {
        string[] texts =
        [
            "", " ", "null", "true", "0", "-0", "1e999999", "\"str\"", "[]", "{}", "[[[[", "]]]]", "{\"batch\":null}",
            "{\"batch\":[null,1,\"x\",[],{}]}", "{\"batch\":[{\"type\":null}]}", "{\"batch\":[{\"type\":\"track\",\"event\":[],\"userId\":\"u\"}]}",
            "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"" + new string('u', 5000) + "\"}]}",
            "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"" + new string('m', 5000) + "\"}]}",
            "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"n\":1e-99999}}]}",
            "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"n\":0." + new string('1', 20000) + "}}]}",
            "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"n\":" + new string('9', 30000) + "}}]}",
            "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"timestamp\":\"0001-01-01T00:00:00Z\",\"sentAt\":\"9999-12-31T23:59:59Z\"}]}",
            "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"timestamp\":\"9999-12-31T23:59:59Z\",\"sentAt\":\"0001-01-01T00:00:00Z\"}]}",
            "{\"batch\":[{\"type\":\"track\",\"event\":\"\\u0000\",\"userId\":\"\\u0000\"}]}",
            "{\"batch\":[{\"\\ud800\":\"\\udfff\\ud800\",\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"\\udbff\"}]}",
            "{\"products\":[{\"productId\":\"\\u0000\"},{\"productId\":{}},{\"productId\":\"p\",\"price\":\"abc\"},{\"productId\":\"p\",\"price\":1e5000}]}",
            "{\"writeKey\":123,\"batch\":[]}", "{\"batch\":[], \"batch\": 5}", "\uFEFF{\"batch\":[{\"type\":\"page\",\"userId\":\"u\"}]}",
            new string('[', 2000) + new string(']', 2000), string.Concat(Enumerable.Repeat("{\"a\":", 1500)),
            "{\"batch\":[" + string.Join(",", Enumerable.Repeat("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"same\"}", 500)) + "]}",
        ];
        foreach (var t in texts) yield return Encoding.UTF8.GetBytes(t);
        yield return [0x00, 0x01, 0x02];
        yield return [0xEF, 0xBB, 0xBF];
        yield return [.. "{\"batch\":[{\"type\":\"track\",\"event\":\""u8, 0xC3, 0x28, 0xF0, 0x28, 0x8C, 0xBC, .. "\",\"userId\":\"u\"}]}"u8];
        yield return [.. "{\"event\":\"e\",\"userId\":\"u\",\"x\":\""u8, 0x00, .. "\"}"u8];
    }

    /// <summary>Random mutations of a valid batch: flipped bytes, cuts, duplicated slices.</summary>
    private static IEnumerable<byte[]> Mutations(int count)
    {
        var random = new Random(20261122);
        var seed = Encoding.UTF8.GetBytes("""{"batch":[{"type":"track","event":"Order Completed","userId":"u1","messageId":"m1","properties":{"revenue":12.5,"products":[{"product_id":"p1","price":1e2}]},"timestamp":"2026-01-01T00:00:00+01:00"},{"type":"identify","anonymousId":"a","traits":{"email":"x@y.z"}}],"sentAt":"2026-01-01T00:00:01Z","context":{"ip":"1.2.3.4"}}""");
        byte[] interesting = [.. "{}[]\",:\\u0000-eE."u8, 0x00, 0xFF, 0xC0, 0xED];
        for (var i = 0; i < count; i++)
        {
            var body = seed.ToList();
            for (var m = random.Next(1, 6); m > 0; m--)
            {
                var at = random.Next(body.Count);
                switch (random.Next(4))
                {
                    case 0: body[at] = interesting[random.Next(interesting.Length)]; break;
                    case 1: body.RemoveRange(at, Math.Min(random.Next(1, 20), body.Count - at)); break;
                    case 2: body.InsertRange(at, body.GetRange(at, Math.Min(random.Next(1, 40), body.Count - at))); break;
                    default: body.Insert(at, (byte)random.Next(256)); break;
                }
                if (body.Count == 0) body.Add((byte)'{');
            }
            yield return [.. body];
        }
    }

    [Fact]
    public async Task no_hostile_body_on_any_path_gets_a_server_error()
    {
        var (_, key) = await f.NewSourceAsync();
        var failures = new List<string>();
        var bodies = HandPicked().Concat(Mutations(300)).ToList();
        var i = 0;
        foreach (var body in bodies)
        {
            var path = Paths[i++ % Paths.Length];
            foreach (var p in i <= 40 ? Paths : [path]) // the hand-picked ones go to every path
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, p) { Content = new ByteArrayContent(body) };
                request.Headers.Authorization = IngestionServerFixture.Basic(key);
                using var response = await f.Server.Client.SendAsync(request);
                var status = (int)response.StatusCode;
                var text = await response.Content.ReadAsStringAsync();
                if (status >= 500 || status is not (200 or 400 or 413))
                    failures.Add($"{p} {status} {text} <- {Convert.ToBase64String(body.AsSpan(0, Math.Min(200, body.Length)))}");
                else if (!text.StartsWith('{'))
                    failures.Add($"{p} {status} without a JSON body");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }
}

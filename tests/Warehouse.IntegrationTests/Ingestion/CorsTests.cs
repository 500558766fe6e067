using System.Net;

namespace Warehouse.IntegrationTests.Ingestion;

public sealed class CorsTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    private async Task<HttpResponseMessage> PreflightAsync(string path, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return await f.Server.Client.SendAsync(request);
    }

    [Fact]
    public async Task a_preflight_from_any_origin_is_answered_when_a_source_accepts_any_origin()
    {
        await f.NewSourceAsync();
        foreach (var path in new[] { "/v1/t", "/v1/batch", "/v1/b", "/v1/p", "/v1/products" })
        {
            using var response = await PreflightAsync(path, "https://shop.example");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal("https://shop.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
            Assert.Equal("authorization,content-type", response.Headers.GetValues("Access-Control-Allow-Headers").Single());
            Assert.True(response.Headers.Contains("Access-Control-Max-Age"));
        }
    }

    [Fact]
    public async Task a_cross_origin_post_gets_the_allow_origin_header_and_a_restricted_source_refuses_other_origins()
    {
        var (name, key) = await f.NewSourceAsync(["https://allowed.example"]);
        var ok = Guid.NewGuid().ToString();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/t") { Content = new StringContent($$"""{"writeKey":"{{key}}","event":"E","anonymousId":"v","messageId":"{{ok}}"}""") })
        {
            request.Headers.Add("Origin", "https://allowed.example");
            using var response = await f.Server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("https://allowed.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }
        var refused = Guid.NewGuid().ToString();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/t") { Content = new StringContent($$"""{"event":"E","anonymousId":"v","messageId":"{{refused}}"}""") })
        {
            request.Headers.Add("Origin", "https://evil.example");
            request.Headers.Authorization = IngestionServerFixture.Basic(key);
            using var response = await f.Server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }
        Assert.Single(await f.EventsAsync(name, ok, refused));
    }
}

/// <summary>A database whose only sources restrict origins: a preflight from elsewhere is refused.</summary>
public sealed class RestrictedCorsTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    [Fact]
    public async Task a_preflight_from_an_origin_no_source_accepts_is_refused()
    {
        await f.NewSourceAsync(["https://allowed.example"]);
        using var request = new HttpRequestMessage(HttpMethod.Options, "/v1/batch");
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        using var response = await f.Server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));

        using var allowed = new HttpRequestMessage(HttpMethod.Options, "/v1/batch");
        allowed.Headers.Add("Origin", "https://allowed.example");
        allowed.Headers.Add("Access-Control-Request-Method", "POST");
        using var ok = await f.Server.Client.SendAsync(allowed);
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
    }
}

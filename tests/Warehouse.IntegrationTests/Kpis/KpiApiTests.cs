using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Warehouse.IntegrationTests.Infrastructure;
using Warehouse.Kpis;

namespace Warehouse.IntegrationTests.Kpis;

public sealed class KpiApiTests : KpiDatabase
{
    private async Task<(TestServer Server, string Token)> StartAsync(params string[] scopes)
    {
        var server = await TestServer.StartAsync(ConnectionString);
        var token = await TokenStore.CreateAsync(DataSource, "dashboard", scopes.Length == 0 ? [TokenStore.KpiRead] : scopes);
        return (server, token);
    }

    private static async Task<HttpResponseMessage> GetAsync(TestServer server, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await server.Client.SendAsync(request);
    }

    [Fact]
    public async Task a_kpi_read_token_gets_json_rows_with_the_range_it_asked_for()
    {
        await FactAsync(1, "page_view", "2026-03-01T23:30:00Z", utmSource: "Google");
        var (server, token) = await StartAsync();
        await using var _ = server;
        using var response = await GetAsync(server, "/api/kpis/acquisition?from=2026-03-01&to=2026-03-02&tz=Europe/Berlin", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("acquisition", root.GetProperty("kpi").GetString());
        Assert.Equal("2026-03-01", root.GetProperty("from").GetString());
        Assert.Equal("2026-03-02", root.GetProperty("to").GetString());
        Assert.Equal("Europe/Berlin", root.GetProperty("tz").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("as_of").ValueKind);
        var row = Assert.Single(root.GetProperty("rows").EnumerateArray());
        Assert.Equal("2026-03-02", row.GetProperty("day").GetString());
        Assert.Equal("google", row.GetProperty("source").GetString());
        Assert.Equal("(not set)", row.GetProperty("medium").GetString());
        Assert.Equal(1, row.GetProperty("new_users").GetInt64());
    }

    [Fact]
    public async Task csv_has_a_header_and_one_line_per_row()
    {
        await FactAsync(1, "purchase", "2026-03-01T10:00:00Z", orderId: "A", lines: [10m]);
        var (server, token) = await StartAsync();
        await using var _ = server;
        using var response = await GetAsync(server, "/api/kpis/order-value?from=2026-03-01&to=2026-03-01&format=csv", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["orders,revenue,aov,p50,p90,p99,percentile_method", "1,10.0000,10.0000,10,10,10,percentile_cont"], lines);
    }

    [Fact]
    public async Task no_token_or_an_unknown_one_is_401_and_a_token_without_the_scope_is_403()
    {
        var (server, adminToken) = await StartAsync("admin");
        await using var _ = server;
        using (var none = await GetAsync(server, "/api/kpis/funnel", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        }
        using (var forged = await GetAsync(server, "/api/kpis/funnel", adminToken[..^2] + "xx"))
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        using (var junk = await GetAsync(server, "/api/kpis/funnel", "junk"))
            Assert.Equal(HttpStatusCode.Unauthorized, junk.StatusCode);
        using var wrongScope = await GetAsync(server, "/api/kpis/funnel", adminToken);
        Assert.Equal(HttpStatusCode.Forbidden, wrongScope.StatusCode);
        Assert.Contains("kpi:read", await wrongScope.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/kpis/nope", "Unknown KPI")]
    [InlineData("/api/kpis/funnel?from=2026-13-01", "not a date")]
    [InlineData("/api/kpis/funnel?from=2026-03-10&to=2026-03-01", "after")]
    [InlineData("/api/kpis/funnel?tz=Mars/Olympus", "time zone")]
    [InlineData("/api/kpis/funnel?as_of=yesterday", "as_of")]
    [InlineData("/api/kpis/funnel?format=xml", "format")]
    public async Task unknown_names_and_bad_parameters_are_400_with_a_message(string path, string expected)
    {
        var (server, token) = await StartAsync();
        await using var _ = server;
        using var response = await GetAsync(server, path, token);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(expected, json.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task tokens_are_stored_hashed_never_in_clear()
    {
        var token = await TokenStore.CreateAsync(DataSource, "probe", [TokenStore.KpiRead]);
        await using var conn = await DataSource.OpenConnectionAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("select count(*) from access.api_tokens where position($1 in name || array_to_string(scopes, ',') || encode(secret_hash, 'escape')) > 0", conn);
        cmd.Parameters.Add(new() { Value = token.Split('_', 3)[2] });
        Assert.Equal(0L, await cmd.ExecuteScalarAsync());
        Assert.NotNull(await TokenStore.VerifyAsync(DataSource, token));
    }
}

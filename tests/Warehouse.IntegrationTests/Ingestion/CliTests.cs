using System.Net;
using System.Text.Json;

namespace Warehouse.IntegrationTests.Ingestion;

/// <summary>`warehouse sources` and `warehouse quarantine`, run as the real executable against the test database.</summary>
public sealed class CliTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    private async Task<ExternalProcess.Result> WarehouseAsync(params string[] args)
    {
        var exe = Path.Combine(AppContext.BaseDirectory, "warehouse");
        return await ExternalProcess.RunAsync(exe, [.. args, "--db", f.ConnectionString]);
    }

    [Fact]
    public async Task sources_add_prints_a_working_key_on_its_last_line_list_shows_it_and_revoke_stops_it()
    {
        var name = "cli-" + Guid.NewGuid().ToString("N")[..8];
        var add = await WarehouseAsync("sources", "add", name, "--allowed-origin", "https://shop.example");
        Assert.True(add.ExitCode == 0, add.Stderr);
        var key = add.Stdout.TrimEnd().Split('\n')[^1].Trim();
        Assert.StartsWith("wk_", key);

        var id = Guid.NewGuid().ToString();
        using (var ok = await f.PostAsync("/v1/track", key, $$"""{"event":"E","userId":"u","messageId":"{{id}}"}"""))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        var duplicate = await WarehouseAsync("sources", "add", name);
        Assert.Equal(2, duplicate.ExitCode);
        Assert.Contains("already exists", duplicate.Stderr);

        var list = await WarehouseAsync("sources", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(name, list.Stdout);
        Assert.Contains("https://shop.example", list.Stdout);
        Assert.Contains(key[..9], list.Stdout);
        Assert.DoesNotContain(key, list.Stdout);

        var revoke = await WarehouseAsync("sources", "revoke", name);
        Assert.True(revoke.ExitCode == 0, revoke.Stderr);
        using (var refused = await f.PostAsync("/v1/track", key, """{"event":"E","userId":"u"}"""))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("revoked", (await WarehouseAsync("sources", "list")).Stdout);
        Assert.Equal(2, (await WarehouseAsync("sources", "revoke", name)).ExitCode);
    }

    [Fact]
    public async Task quarantine_list_shows_each_rejected_message_with_its_reason_and_raw_json()
    {
        var (name, key) = await f.NewSourceAsync();
        using (await f.PostAsync("/v1/batch", key, """{"batch":[{"type":"track","userId":"u","messageId":"q-no-event"},{"type":"page","anonymousId":"v"}]}""")) { }

        var table = await WarehouseAsync("quarantine", "list", "--source", name);
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains("q-no-event", table.Stdout);
        Assert.Contains("event name", table.Stdout);

        var json = await WarehouseAsync("quarantine", "list", "--source", name, "--json");
        var line = Assert.Single(json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var row = JsonDocument.Parse(line);
        Assert.Equal("q-no-event", row.RootElement.GetProperty("messageId").GetString());
        Assert.Equal(0, row.RootElement.GetProperty("index").GetInt32());
        Assert.Equal("""{"type":"track","userId":"u","messageId":"q-no-event"}""", row.RootElement.GetProperty("raw").GetString());
    }
}

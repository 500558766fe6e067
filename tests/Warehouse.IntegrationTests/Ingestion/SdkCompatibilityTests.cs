using System.Text.Json;

namespace Warehouse.IntegrationTests.Ingestion;

/// <summary>
/// The unmodified @segment/analytics-node (npm, pinned in Sdk/package-lock.json) against the real server over
/// loopback, with one lost answer so the SDK retries a batch that was already stored.
/// </summary>
public sealed class SdkCompatibilityTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>./test installs the fixture first; a bare `dotnet test` installs it here (npm ci, cached in node_modules).</summary>
    private static async Task<string> FixtureAsync()
    {
        var dir = Path.Combine(ExternalProcess.RepositoryRoot(), "tests", "Warehouse.IntegrationTests", "Ingestion", "Sdk");
        await InstallGate.WaitAsync();
        try
        {
            if (!File.Exists(Path.Combine(dir, "node_modules", "@segment", "analytics-node", "package.json")))
            {
                var install = await ExternalProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], dir, TimeSpan.FromMinutes(5));
                Assert.True(install.ExitCode == 0, $"npm ci failed in {dir}: {install.Stderr}");
            }
        }
        finally
        {
            InstallGate.Release();
        }
        return dir;
    }

    [Fact]
    public async Task the_segment_node_sdk_delivers_track_identify_and_page_exactly_once_even_when_it_retries()
    {
        var dir = await FixtureAsync();
        var (name, key) = await f.NewSourceAsync();
        var runId = Guid.NewGuid().ToString("N")[..8];
        var baseUrl = f.Server.BaseAddress.ToString().TrimEnd('/');

        var run = await ExternalProcess.RunAsync("node", ["send.mjs", baseUrl, key, runId], dir);
        Assert.True(run.ExitCode == 0, $"node failed: {run.Stderr}");
        using var summary = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]);
        Assert.Empty(summary.RootElement.GetProperty("errors").EnumerateArray());
        Assert.True(summary.RootElement.GetProperty("requests").GetInt32() >= 3, "the SDK should have retried the batch whose answer was lost: " + run.Stdout);

        var stored = await f.EventsAsync(name);
        Assert.Equal(8, stored.Count); // 8 sent, one batch delivered twice, each stored once
        Assert.Equal(8, stored.Select(s => s.Data.GetProperty("messageId").GetString()).Distinct().Count());
        Assert.Equal(6, stored.Count(s => s.Type == "track"));
        Assert.Single(stored, s => s.Type == "identify");
        Assert.Single(stored, s => s.Type == "page");

        var viewed = stored.First(s => s.Data.TryGetProperty("event", out var e) && e.GetString() == "Product Viewed");
        Assert.Equal($"anon:sdk-anon-{runId}", viewed.StreamId);
        Assert.Equal("@segment/analytics-node", viewed.Data.GetProperty("context").GetProperty("library").GetProperty("name").GetString());
        Assert.Equal("9007199254740991", viewed.Data.GetProperty("properties").GetProperty("price").GetRawText());
        Assert.Equal("Café ☕", viewed.Data.GetProperty("properties").GetProperty("name").GetString());
        Assert.StartsWith("node-next-", viewed.Data.GetProperty("messageId").GetString());

        var order = stored.Single(s => s.Data.TryGetProperty("event", out var e) && e.GetString() == "Order Completed");
        var delay = DateTimeOffset.Parse(order.Data.GetProperty("receivedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                    - DateTimeOffset.Parse(order.Data.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(delay.TotalSeconds, 55, 120); // the SDK's own timestamp, corrected by its sentAt
    }
}

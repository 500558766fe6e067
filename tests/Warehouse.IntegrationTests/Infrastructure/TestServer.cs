using Microsoft.AspNetCore.Builder;
using Warehouse.Host.Hosting;

namespace Warehouse.IntegrationTests.Infrastructure;

/// <summary>
/// The real web host (the same WarehouseWebApp that `warehouse serve` runs) on a free loopback port, reached
/// over real HTTP. Background services such as the projection daemon are off unless a test turns them on.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<TestServer> StartAsync(string connectionString, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Projections:Daemon:Enabled"] = "false",
        };
        if (overrides is not null) foreach (var (k, v) in overrides) settings[k] = v;
        var app = WarehouseWebApp.Build(new WebAppSettings(connectionString, "http://127.0.0.1:0", settings));
        await app.StartAsync();
        return new TestServer(app, new Uri(app.Urls.First()));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

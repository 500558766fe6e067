using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Warehouse.EventStore;
using Warehouse.Host.Hosting;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Ingestion;

/// <summary>Transient failures are 503/429 with Retry-After, never 2xx or 4xx, so SDKs retry (tracker-formats.md §1.9).</summary>
public sealed class AvailabilityTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    private const string Batch = """{"batch":[{"type":"track","event":"E","userId":"u","messageId":"avail-1"}]}""";

    [Fact]
    public async Task a_database_that_does_not_answer_gets_503_with_retry_after()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        await using var server = await TestServer.StartAsync($"Host=127.0.0.1;Port={port};Username=x;Password=y;Database=z;Timeout=2");
        foreach (var path in new[] { "/v1/batch", "/v1/track", "/v1/products" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(Batch) };
            request.Headers.Authorization = IngestionServerFixture.Basic("wk_any");
            using var response = await server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            Assert.Equal("database_unavailable", (await IngestionServerFixture.JsonAsync(response)).GetProperty("code").GetString());
        }
        // The body write key path fails the same way (the lookup happens after parsing).
        using var bodyKey = await server.Client.PostAsync("/v1/batch", new StringContent("""{"writeKey":"wk_any","batch":[]}"""));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, bodyKey.StatusCode);
    }

    [Fact]
    public async Task a_full_append_queue_gets_429_with_retry_after_and_a_failing_append_gets_503()
    {
        var (_, key) = await f.NewSourceAsync();
        var store = new ScriptedStore();
        await using var app = await StartWithStoreAsync(store);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        store.Next = () => Task.FromResult(AppendResult.Overloaded);
        using (var overloaded = await PostAsync(client, key))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, overloaded.StatusCode);
            Assert.NotNull(overloaded.Headers.RetryAfter);
            Assert.Equal("overloaded", (await IngestionServerFixture.JsonAsync(overloaded)).GetProperty("code").GetString());
        }

        store.Next = () => throw new NpgsqlException("connection refused", new SocketException((int)SocketError.ConnectionRefused));
        using (var down = await PostAsync(client, key))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.NotNull(down.Headers.RetryAfter);
        }

        store.Next = () => throw new TimeoutException("the append did not finish in time");
        using (var slow = await PostAsync(client, key))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, slow.StatusCode);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = new StringContent(Batch) };
        request.Headers.Authorization = IngestionServerFixture.Basic(key);
        return await client.SendAsync(request);
    }

    /// <summary>The real host's services and endpoints, with the event store replaced.</summary>
    private async Task<WebApplication> StartWithStoreAsync(IEventStore store)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = f.ConnectionString,
            ["Ingestion:SourceCacheSeconds"] = "0",
        });
        builder.Services.AddWarehouseServices(builder.Configuration);
        builder.Services.AddSingleton(store);
        var app = builder.Build();
        app.MapWarehouseApis();
        await app.StartAsync();
        return app;
    }

    private sealed class ScriptedStore : IEventStore
    {
        public Func<Task<AppendResult>> Next { get; set; } = () => Task.FromResult(AppendResult.Overloaded);
        public Task<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct = default) => Next();
        public Task<IReadOnlyList<StoredEvent>> ReadForwardAsync(long afterSequence, int max, CancellationToken ct = default) => Task.FromResult<IReadOnlyList<StoredEvent>>([]);
        public Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, CancellationToken ct = default) => Task.FromResult<IReadOnlyList<StoredEvent>>([]);
        public Task<HighWaterMark> GetHighWaterMarkAsync(CancellationToken ct = default) => Task.FromResult(new HighWaterMark(0, 0));
    }
}

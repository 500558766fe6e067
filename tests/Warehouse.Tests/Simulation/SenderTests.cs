using System.Net;
using System.Text.Json;
using Warehouse.Simulation;
using Warehouse.Simulation.Generation;
using Warehouse.Simulation.Sending;

namespace Warehouse.Tests.Simulation;

public sealed class SenderTests
{
    /// <summary>Answers from a script, records what it was sent.</summary>
    private sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<(HttpRequestMessage Request, string Body)> Received { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct);
            lock (Received) Received.Add((request, body));
            var i = Math.Min(Received.Count - 1, answers.Length - 1);
            return answers[i](request);
        }
    }

    private static HttpResponseMessage Ok() => new(HttpStatusCode.OK) { Content = new StringContent("{\"success\":true,\"accepted\":1,\"duplicates\":0,\"rejected\":[]}") };

    private static readonly Warehouse.Simulation.Model.SimTraffic Traffic = TrafficGenerator.Generate(new SimulationOptions
    {
        Users = 20, Days = 5, Start = new DateOnly(2026, 1, 5), Seed = 9, Products = 10,
    });

    [Fact]
    public async Task a_429_or_503_is_retried_after_the_retry_after_interval_and_every_event_arrives_once_per_delivery()
    {
        var handler = new ScriptedHandler(
            _ => new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new(TimeSpan.Zero) } },
            _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new(TimeSpan.Zero) } },
            _ => Ok());
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://warehouse.test/") };
        var sender = new SegmentHttpSender(http, "wk_test", new SenderOptions(MaxBatchEvents: 100, Concurrency: 1));

        var report = await sender.SendAsync(Traffic.Deliveries, null, CancellationToken.None);

        Assert.Equal(2, report.Retries);
        Assert.Equal(Traffic.Deliveries.Count, report.Events);
        var first = handler.Received[0].Request;
        Assert.Equal("/v1/batch", first.RequestUri!.AbsolutePath);
        Assert.Equal("Basic", first.Headers.Authorization!.Scheme);
        Assert.Equal("wk_test:", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(first.Headers.Authorization.Parameter!)));
        var delivered = handler.Received.Skip(2).Sum(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("batch").GetArrayLength());
        Assert.Equal(Traffic.Deliveries.Count, delivered);
    }

    [Fact]
    public async Task an_unknown_write_key_stops_the_send_with_advice_instead_of_retrying()
    {
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StringContent("{\"error\":\"unknown write key\"}") });
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://warehouse.test/") };
        var sender = new SegmentHttpSender(http, "wk_wrong", new SenderOptions(Concurrency: 1));

        var e = await Assert.ThrowsAsync<SimulationSendException>(() => sender.SendAsync(Traffic.Deliveries, null, CancellationToken.None));
        Assert.Contains("warehouse sources add", e.Message);
        Assert.Single(handler.Received);
    }

    [Fact]
    public async Task the_catalogue_is_posted_to_v1_products_in_the_contract_shape()
    {
        var handler = new ScriptedHandler(_ => Ok());
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://warehouse.test/") };

        await new SegmentHttpSender(http, "wk_test", new SenderOptions()).SendCatalogueAsync(Traffic.Catalogue, CancellationToken.None);

        var (request, body) = Assert.Single(handler.Received);
        Assert.Equal("/v1/products", request.RequestUri!.AbsolutePath);
        var product = JsonDocument.Parse(body).RootElement.GetProperty("products")[0];
        foreach (var field in new[] { "productId", "sku", "name", "category", "brand", "price", "currency", "attributes" })
            Assert.True(product.TryGetProperty(field, out _), field);
    }

    [Fact]
    public async Task a_rate_limit_spaces_the_batches_so_the_events_per_second_stay_under_it()
    {
        var handler = new ScriptedHandler(_ => Ok());
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://warehouse.test/") };
        var deliveries = Traffic.Deliveries.Take(300).ToList();
        var sender = new SegmentHttpSender(http, "wk_test", new SenderOptions(EventsPerSecond: 400, MaxBatchEvents: 100, Concurrency: 4));

        var report = await sender.SendAsync(deliveries, null, CancellationToken.None);

        // Batches start at 0, 0.25 and 0.5 s: the third may not leave before half a second has passed.
        Assert.Equal(3, handler.Received.Count);
        Assert.True(report.Elapsed >= TimeSpan.FromSeconds(0.49), $"took {report.Elapsed}");
    }
}

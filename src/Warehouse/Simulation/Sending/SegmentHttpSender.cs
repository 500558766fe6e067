using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Warehouse.Simulation.Delivery;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Sending;

/// <summary>
/// Sends simulated traffic through the warehouse's real HTTP ingestion, as a Segment SDK would: POST /v1/batch
/// with HTTP Basic auth (write key as user name, empty password), batches under the size limit, several in
/// flight, retries with Retry-After. Skewed devices stamp sentAt with their (wrong) clock at the moment of
/// sending, so the warehouse's skew correction lands on the true time.
/// </summary>
internal sealed class SegmentHttpSender(HttpClient http, string writeKey, SenderOptions options)
{
    private readonly AuthenticationHeaderValue _auth = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));

    public async Task<SendReport> SendCatalogueAsync(IReadOnlyList<SimProduct> products, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var retries = 0;
        var chunks = products.Chunk(200).ToList();
        foreach (var chunk in chunks)
            retries += await PostAsync("v1/products", () => TrafficFileWriter.CatalogueJson(chunk), _ => { }, ct);
        return new SendReport(chunks.Count, products.Count, retries, 0, [], watch.Elapsed);
    }

    public async Task<SendReport> SendAsync(IReadOnlyList<SimDelivery> deliveries, IProgress<SendProgress>? progress, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var batches = Batches(deliveries).ToList();
        var pacer = new Pacer(options.EventsPerSecond);
        int sent = 0, retries = 0, rejected = 0;
        var reasons = new List<string>();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct },
            async (batch, token) =>
            {
                await pacer.WaitAsync(batch.Count, token);
                var tries = await PostAsync("v1/batch", () => BatchJson(batch), body => CountRejects(body, ref rejected, reasons), token);
                Interlocked.Add(ref retries, tries);
                var total = Interlocked.Add(ref sent, batch.Count); // not inside progress?.Report(...): that skips it when null
                progress?.Report(new SendProgress(total, deliveries.Count, Volatile.Read(ref retries)));
            });
        return new SendReport(batches.Count, sent, retries, rejected, reasons, watch.Elapsed);
    }

    /// <summary>Batches in sending order, by count and by bytes (sizes measured once; sentAt has a fixed width).</summary>
    private IEnumerable<List<SimDelivery>> Batches(IReadOnlyList<SimDelivery> deliveries)
    {
        var batch = new List<SimDelivery>();
        var bytes = 0;
        foreach (var d in deliveries)
        {
            var size = Encoding.UTF8.GetByteCount(TrafficFileWriter.MessageJson(d)) + 1;
            if (batch.Count > 0 && (batch.Count >= options.MaxBatchEvents || bytes + size > options.MaxBatchBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }
            batch.Add(d);
            bytes += size;
        }
        if (batch.Count > 0) yield return batch;
    }

    private static string BatchJson(List<SimDelivery> batch)
    {
        var now = DateTimeOffset.UtcNow;
        var sb = new StringBuilder("{\"batch\":[");
        for (var i = 0; i < batch.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(TrafficFileWriter.MessageJson(batch[i], now));
        }
        return sb.Append("]}").ToString();
    }

    /// <summary>Posts until a 2xx; returns how many retries it took. The body is rebuilt per attempt (fresh sentAt).</summary>
    private async Task<int> PostAsync(string path, Func<string> body, Action<string> onSuccess, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            HttpStatusCode? status = null;
            RetryConditionHeaderValue? retryAfter = null;
            string? error;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body(), Encoding.UTF8, "application/json") };
                request.Headers.Authorization = _auth;
                if (attempt > 0) request.Headers.Add("X-Retry-Count", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
                using var response = await http.SendAsync(request, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                if (response.IsSuccessStatusCode) { onSuccess(text); return attempt; }
                status = response.StatusCode;
                retryAfter = response.Headers.RetryAfter;
                error = $"{(int)response.StatusCode} {Truncate(text)}";
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                    throw new SimulationSendException($"The warehouse refused the write key (401) at {http.BaseAddress}{path}. Create a source with " +
                                                      "`warehouse sources add <name>` and pass the key it prints with --write-key.");
                if (!RetryPolicy.IsTransient(response.StatusCode))
                    throw new SimulationSendException($"The warehouse refused {path} with {error}; this is permanent (not retried).");
            }
            catch (HttpRequestException e) { error = e.Message; }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested) { error = "timed out: " + e.Message; }

            if (attempt + 1 >= options.MaxAttempts)
                throw new SimulationSendException($"Gave up on {http.BaseAddress}{path} after {options.MaxAttempts} attempts; last failure: {error}. " +
                                                  "Is `warehouse serve` running at that address?");
            await Task.Delay(RetryPolicy.Delay(attempt, status is null ? null : retryAfter, DateTimeOffset.UtcNow), ct);
        }
    }

    private static void CountRejects(string body, ref int rejected, List<string> reasons)
    {
        if (string.IsNullOrWhiteSpace(body)) return;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("rejected", out var list) || list.ValueKind != JsonValueKind.Array) return;
            Interlocked.Add(ref rejected, list.GetArrayLength());
            lock (reasons)
                foreach (var r in list.EnumerateArray().Take(Math.Max(0, 5 - reasons.Count)))
                    reasons.Add(r.GetRawText());
        }
        catch (JsonException)
        {
            // A 2xx body that is not JSON (for example "OK"): nothing to count.
        }
    }

    private static string Truncate(string s) => s.Length > 300 ? s[..300] + "…" : s;
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Warehouse.Host.Cli.Bench;

/// <summary>What a load run measured.</summary>
internal sealed record IngestLoadResult(long Accepted, long Duplicates, long Requests, long Failed, IReadOnlyDictionary<int, long> Statuses,
    TimeSpan Elapsed, double P50Ms, double P99Ms)
{
    public double EventsPerSecond => Accepted / Elapsed.TotalSeconds;
}

/// <summary>
/// Concurrent clients posting Segment batches for a fixed time. Bodies come from a template whose message ids
/// and user ids are fixed-width digit fields overwritten per request, so the client spends its CPU on HTTP, not
/// on building JSON (the server shares these two cores).
/// </summary>
internal sealed class IngestLoad(Uri baseAddress, string writeKey, int clients, int batchSize)
{
    private const int Digits = 12;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private long _sequence;

    public async Task<IngestLoadResult> RunAsync(TimeSpan duration, Action<long>? progress, CancellationToken ct)
    {
        var (template, idOffsets, userOffsets) = BuildTemplate();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));

        long accepted = 0, duplicates = 0, requests = 0, failed = 0;
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, long>();
        var latencies = new List<double>[clients];
        var stopwatch = Stopwatch.StartNew();
        var deadline = stopwatch.Elapsed + duration;

        var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>(4096);
            var random = new Random(c);
            var body = new byte[template.Length];
            while (stopwatch.Elapsed < deadline && !ct.IsCancellationRequested)
            {
                template.CopyTo(body, 0);
                foreach (var offset in idOffsets) WriteDigits(body, offset, Interlocked.Increment(ref _sequence));
                foreach (var offset in userOffsets) WriteDigits(body, offset, random.Next(100_000));
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Authorization = auth;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, ct);
                    var text = await response.Content.ReadAsStringAsync(ct);
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref requests);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Add(ref accepted, ReadCount(text, "\"accepted\":"));
                        Interlocked.Add(ref duplicates, ReadCount(text, "\"duplicates\":"));
                        progress?.Invoke(Interlocked.Read(ref accepted));
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers);
        var elapsed = stopwatch.Elapsed;

        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
        return new IngestLoadResult(accepted, duplicates, requests, failed, statuses, elapsed, Percentile(0.50), Percentile(0.99));
    }

    /// <summary>A batch like a web shop's: views, cart adds, pages, the odd identify and order.</summary>
    private (byte[] Template, List<int> IdOffsets, List<int> UserOffsets) BuildTemplate()
    {
        var placeholderId = new string('#', Digits);
        var placeholderUser = new string('$', Digits);
        var sb = new StringBuilder("{\"sentAt\":\"").Append(DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)).Append("\",\"batch\":[");
        for (var i = 0; i < batchSize; i++)
        {
            if (i > 0) sb.Append(',');
            var common = $"\"messageId\":\"bench-{_runId}-{placeholderId}\",\"anonymousId\":\"anon-{placeholderUser}\",\"timestamp\":\"{DateTimeOffset.UtcNow.AddSeconds(-1):O}\"," +
                         "\"context\":{\"library\":{\"name\":\"warehouse-bench\",\"version\":\"1.0\"},\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64)\",\"locale\":\"en-GB\"," +
                         "\"page\":{\"path\":\"/products/lamp\",\"url\":\"https://shop.example/products/lamp?utm_source=news\"},\"campaign\":{\"source\":\"news\",\"medium\":\"email\",\"name\":\"spring\"}}";
            sb.Append((i % 10) switch
            {
                0 => "{\"type\":\"page\",\"name\":\"Product\"," + common + ",\"properties\":{\"title\":\"Lamp\",\"referrer\":\"https://news.example/\"}}",
                1 => "{\"type\":\"track\",\"event\":\"Product Added\"," + common + ",\"properties\":{\"product_id\":\"p-" + (i * 37 % 500) + "\",\"sku\":\"SKU-" + i + "\",\"price\":49.99,\"quantity\":1,\"currency\":\"EUR\"}}",
                9 => "{\"type\":\"identify\",\"userId\":\"user-" + placeholderUser + "\"," + common + ",\"traits\":{\"plan\":\"free\",\"email\":\"someone@example.com\"}}",
                _ => "{\"type\":\"track\",\"event\":\"Product Viewed\"," + common + ",\"properties\":{\"product_id\":\"p-" + (i * 37 % 500) + "\",\"name\":\"Lamp\",\"category\":\"Lighting\",\"price\":49.99,\"currency\":\"EUR\"}}",
            });
        }
        sb.Append("]}");
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        return (bytes, Find(bytes, placeholderId), Find(bytes, placeholderUser));
    }

    private static List<int> Find(byte[] haystack, string needle)
    {
        var pattern = Encoding.ASCII.GetBytes(needle);
        var found = new List<int>();
        for (var i = haystack.AsSpan().IndexOf(pattern); i >= 0;)
        {
            found.Add(i);
            var next = haystack.AsSpan(i + 1).IndexOf(pattern);
            i = next < 0 ? -1 : i + 1 + next;
        }
        return found;
    }

    private static void WriteDigits(byte[] buffer, int offset, long value)
    {
        for (var i = Digits - 1; i >= 0; i--)
        {
            buffer[offset + i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private static long ReadCount(string json, string key)
    {
        var i = json.IndexOf(key, StringComparison.Ordinal);
        if (i < 0) return 0;
        i += key.Length;
        long n = 0;
        while (i < json.Length && char.IsAsciiDigit(json[i])) n = n * 10 + (json[i++] - '0');
        return n;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Warehouse.EventStore;

namespace Warehouse.Projections.Catalogue;

/// <summary>
/// Reads a product catalogue CSV (header row; columns productId, sku, name, category, brand, price, currency, any
/// other column becomes an attribute) and appends one product_upserted event per row to stream
/// product:&lt;productId&gt; (docs/event-format.md). Empty cells mean "not given": the projection keeps the old value.
/// Rows that cannot be read are reported with their line and skipped; the others are imported.
/// </summary>
public static class ProductCsvImport
{
    public const string Source = "catalogue";
    private const int BatchSize = 1_000;

    private static readonly Dictionary<string, string> KnownColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["productId"] = "productId", ["product_id"] = "productId", ["id"] = "productId",
        ["sku"] = "sku", ["name"] = "name", ["category"] = "category", ["brand"] = "brand",
        ["price"] = "price", ["currency"] = "currency",
    };

    public static async Task<ProductImportReport> ImportAsync(IEventStore store, TextReader input, IProgress<long>? progress, CancellationToken ct)
    {
        var runId = Guid.NewGuid().ToString("N");
        var rejected = new List<string>();
        var pending = new List<NewEvent>();
        long rows = 0, appended = 0;
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim, DetectDelimiter = true };
        using var csv = new CsvReader(input, config);
        if (!await csv.ReadAsync() || !csv.ReadHeader())
            throw new FormatException("The CSV is empty; it needs a header row with at least a productId column.");
        var headers = csv.HeaderRecord ?? [];
        if (!headers.Any(h => KnownColumns.TryGetValue(h, out var k) && k == "productId"))
            throw new FormatException($"The CSV header has no productId column (found: {string.Join(", ", headers)}).");

        while (await csv.ReadAsync())
        {
            ct.ThrowIfCancellationRequested();
            rows++;
            var line = csv.Parser.RawRow;
            var json = ToEvent(headers, i => csv.GetField(i), out var productId, out var error);
            if (error is not null)
            {
                rejected.Add($"line {line}: {error}");
            }
            else
            {
                var now = DateTimeOffset.UtcNow;
                pending.Add(new NewEvent(EventIds.ForMessage(Source, $"import-{runId}-{line}"), "product:" + productId,
                    "product_upserted", json!, JsonSerializer.Serialize(new { source = Source, receivedAt = now.ToString("O", CultureInfo.InvariantCulture) }), now));
            }
            if (pending.Count >= BatchSize) appended += await FlushAsync(store, pending, ct);
            progress?.Report(rows);
        }
        appended += await FlushAsync(store, pending, ct);
        progress?.Report(rows);
        return new ProductImportReport(rows, appended, rejected);
    }

    private static string? ToEvent(string[] headers, Func<int, string?> field, out string? productId, out string? error)
    {
        productId = null;
        error = null;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            var attributes = new List<(string Name, string Value)>();
            for (var i = 0; i < headers.Length; i++)
            {
                var value = field(i);
                if (string.IsNullOrEmpty(value)) continue;
                if (!KnownColumns.TryGetValue(headers[i], out var known))
                {
                    attributes.Add((headers[i], value));
                    continue;
                }
                if (known == "productId") productId = value;
                if (known == "price")
                {
                    if (!decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var price))
                    {
                        error = $"price '{value}' is not a number (use a dot for decimals, no currency sign)";
                        return null;
                    }
                    w.WriteNumber("price", price);
                }
                else
                {
                    w.WriteString(known, value);
                }
            }
            if (attributes.Count > 0)
            {
                w.WriteStartObject("attributes");
                foreach (var (name, value) in attributes) w.WriteString(name, value);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        if (productId is null)
        {
            error = "productId is empty";
            return null;
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static async Task<long> FlushAsync(IEventStore store, List<NewEvent> pending, CancellationToken ct)
    {
        if (pending.Count == 0) return 0;
        var delay = 50;
        while (true)
        {
            var result = await store.AppendAsync(pending, ct);
            if (result.Status == AppendStatus.Committed)
            {
                pending.Clear();
                return result.AppendedCount;
            }
            await Task.Delay(delay, ct); // the store's queue is full: wait and resend the same events
            delay = Math.Min(delay * 2, 2_000);
        }
    }
}

/// <param name="Rows">Data rows read.</param>
/// <param name="Appended">product_upserted events appended.</param>
/// <param name="Rejected">One line per row that was skipped, with the reason.</param>
public sealed record ProductImportReport(long Rows, long Appended, IReadOnlyList<string> Rejected);

using System.Text;
using System.Text.Json;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Delivery;

/// <summary>
/// --out: the deliveries as JSON lines in sending order (sentAt on the simulated clock), and the catalogue
/// beside them (&lt;name&gt;.products.json, the /v1/products body). Same options, same bytes.
/// </summary>
internal static class TrafficFileWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string CataloguePath(string eventsPath)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(eventsPath)) ?? ".";
        return Path.Combine(dir, Path.GetFileNameWithoutExtension(eventsPath) + ".products.json");
    }

    public static async Task WriteAsync(SimTraffic traffic, string eventsPath, IProgress<int>? progress, CancellationToken ct)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(eventsPath)) is { } folder) Directory.CreateDirectory(folder);
        await using (var file = new FileStream(eventsPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var buffer = new MemoryStream();
            var newline = "\n"u8.ToArray();
            var written = 0;
            foreach (var d in traffic.Deliveries)
            {
                using (var w = new Utf8JsonWriter(buffer, Options)) SegmentMessageWriter.Write(w, d);
                buffer.Write(newline);
                if (buffer.Length > 1 << 16)
                {
                    await file.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct);
                    buffer.SetLength(0);
                }
                if (++written % 5000 == 0) progress?.Report(written);
            }
            await file.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct);
            progress?.Report(written);
        }
        await File.WriteAllTextAsync(CataloguePath(eventsPath), CatalogueJson(traffic.Catalogue) + "\n", new UTF8Encoding(false), ct);
    }

    public static string CatalogueJson(IEnumerable<SimProduct> products)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options)) CatalogueWriter.Write(w, products);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string MessageJson(SimDelivery d, DateTimeOffset? sendClock = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options)) SegmentMessageWriter.Write(w, d, sendClock);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

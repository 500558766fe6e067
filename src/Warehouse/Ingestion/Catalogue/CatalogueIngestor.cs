using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Warehouse.EventStore;

namespace Warehouse.Ingestion.Catalogue;

/// <summary>
/// `POST /v1/products`: one `product_upserted` event per product on stream product:&lt;productId&gt;. A product
/// whose payload equals the latest one stored is a duplicate (re-posting a whole catalogue appends nothing);
/// a changed product is a new event, including a change back to an earlier payload (A → B → A), because the
/// message id is the payload hash plus the stream version it follows.
/// </summary>
public sealed class CatalogueIngestor(IngestionService ingestion, NpgsqlDataSource dataSource)
{
    public const string EventType = "product_upserted";

    public async Task<IngestResult> IngestAsync(SegmentBody body, IngestContext ctx, CancellationToken ct)
    {
        var valid = new List<(RawMessage Message, NormalizedProduct Product, string Json)>();
        var rejected = new List<Rejection>();
        foreach (var message in body.Messages)
        {
            var product = ProductNormalizer.Normalize(message, out var reason);
            if (product is null)
                rejected.Add(new Rejection(message.Index, (message.Tree as Json.JsonObject)?["messageId"]?.ScalarText, reason!, message.Raw));
            else
                valid.Add((message, product, product.Data.ToJson()));
        }

        var latest = await LatestAsync(valid.Select(v => ("product:" + v.Product.ProductId, v.Json)).ToList(), ct);
        var candidates = new List<Candidate>(valid.Count);
        var unchanged = 0;
        for (var i = 0; i < valid.Count; i++)
        {
            var (message, product, json) = valid[i];
            var (version, same) = latest[i];
            if (same && product.ClientMessageId is null) { unchanged++; continue; }
            var messageId = product.ClientMessageId ?? $"product:{product.ProductId}:{Hash(json)}@{version}";
            var e = new NewEvent(EventIds.ForMessage(ctx.Source.Name, messageId), "product:" + product.ProductId, EventType,
                json, MessageNormalizer.Headers(ctx, null, null), ctx.ReceivedAt);
            candidates.Add(new Candidate(e, message.Index, messageId, message.Raw));
        }

        var result = await ingestion.CommitAsync(candidates, rejected, ctx, ct);
        return result.Status == IngestStatus.Committed ? result with { Duplicates = result.Duplicates + unchanged } : result;
    }

    /// <summary>Per input: the product stream's current version, and whether its latest payload equals this one.</summary>
    private async Task<IReadOnlyList<(long Version, bool Same)>> LatestAsync(List<(string Stream, string Json)> products, CancellationToken ct)
    {
        var result = new (long, bool)[products.Count];
        if (products.Count == 0) return result;
        await using var cmd = dataSource.CreateCommand("""
            select t.ord::int, coalesce(s.version, 0), coalesce(e.data = t.payload, false)
            from unnest($1::varchar[], $2::jsonb[]) with ordinality as t(stream_id, payload, ord)
            left join events.mt_streams s on s.id = t.stream_id
            left join lateral (
                select m.data from events.mt_events m where m.stream_id = t.stream_id order by m.version desc limit 1
            ) e on true
            """);
        cmd.Parameters.Add(new() { Value = products.Select(p => p.Stream).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        cmd.Parameters.Add(new() { Value = products.Select(p => p.Json).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        try
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) result[reader.GetInt32(0) - 1] = (reader.GetInt64(1), reader.GetBoolean(2));
        }
        catch (PostgresException e) when (IngestionService.IsDataError(e))
        {
            // A payload PostgreSQL refuses: treat every product as changed; the append isolates the bad one.
            Array.Clear(result);
        }
        return result;
    }

    private static string Hash(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..32];
}

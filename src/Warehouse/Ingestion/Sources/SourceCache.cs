using System.Collections.Concurrent;
using Npgsql;

namespace Warehouse.Ingestion;

/// <summary>
/// Write key → source, cached for a few seconds so a busy endpoint does not query ingest.sources per request.
/// Unknown keys are cached too (a client hammering with a wrong key costs one query per period). A revoke
/// takes effect within <see cref="IngestionOptions.SourceCacheSeconds"/>.
/// </summary>
public sealed class SourceCache(NpgsqlDataSource dataSource, IngestionOptions options)
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (Source? Source, long Expires)> _byKey = new(StringComparer.Ordinal);
    private (IReadOnlyList<Source> Sources, long Expires)? _all;

    public async ValueTask<Source?> FindAsync(string writeKey, CancellationToken ct)
    {
        var now = Environment.TickCount64;
        if (_byKey.TryGetValue(writeKey, out var hit) && hit.Expires > now) return hit.Source;
        var source = await SourceRegistry.FindByKeyAsync(dataSource, writeKey, ct);
        if (options.SourceCacheSeconds > 0)
        {
            if (_byKey.Count >= MaxEntries) _byKey.Clear();
            _byKey[writeKey] = (source, now + options.SourceCacheSeconds * 1000L);
        }
        return source;
    }

    /// <summary>For CORS preflights, which carry no key: may any active source accept this origin?</summary>
    public async ValueTask<bool> AnySourceAllowsAsync(string origin, CancellationToken ct)
    {
        var now = Environment.TickCount64;
        var all = _all is { } cached && cached.Expires > now ? cached.Sources : null;
        if (all is null)
        {
            all = await SourceRegistry.ListAsync(dataSource, ct);
            if (options.SourceCacheSeconds > 0) _all = (all, now + options.SourceCacheSeconds * 1000L);
        }
        return all.Any(s => !s.IsRevoked && s.AllowsOrigin(origin));
    }
}

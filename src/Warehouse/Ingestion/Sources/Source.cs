namespace Warehouse.Ingestion;

/// <summary>A tracker source. Its name is part of every event id (dedupe is per source) and of the event headers.</summary>
/// <param name="AllowedOrigins">CORS origins browsers may post from; null = any origin.</param>
public sealed record Source(long Id, string Name, IReadOnlyList<string>? AllowedOrigins, DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt, string KeyPrefix)
{
    public bool IsRevoked => RevokedAt is not null;

    public bool AllowsOrigin(string origin) =>
        AllowedOrigins is null || AllowedOrigins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase);
}

namespace Warehouse.Ingestion;

/// <summary>Bound from the "Ingestion" configuration section.</summary>
public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>How long a write key lookup (and so a revoke) is cached; 0 = ask the database every time.</summary>
    public int SourceCacheSeconds { get; set; } = 10;

    /// <summary>Seconds a client is told to wait (Retry-After) when the database is down or the queue is full.</summary>
    public int RetryAfterSeconds { get; set; } = 5;
}

namespace Warehouse.Ingestion;

/// <summary>
/// Size limits, counted in UTF-8 bytes after decompression (tracker-formats.md §1.8). "32 KB" and "500 KB"
/// are read generously (32 KiB, 500 KiB): analytics-python sends messages of up to 32,768 bytes and
/// analytics-node batches of up to 480 KiB, and neither may be refused.
/// </summary>
public static class IngestionLimits
{
    public const int MaxMessageBytes = 32 * 1024;
    public const int MaxBatchBytes = 500 * 1024;

    /// <summary>Identifiers longer than this cannot be indexed (stream ids are btree keys); no tracker sends them.</summary>
    public const int MaxIdLength = 512;
}

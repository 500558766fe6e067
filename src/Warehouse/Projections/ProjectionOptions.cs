namespace Warehouse.Projections;

/// <summary>Configuration section "Projections".</summary>
public sealed class ProjectionOptions
{
    public const string Section = "Projections";

    public DaemonOptions Daemon { get; set; } = new();

    /// <summary>/health turns unhealthy when the oldest unprojected event waits longer than this.</summary>
    public double MaxHealthyLagSeconds { get; set; } = 300;

    /// <summary>
    /// Events per rebuild transaction. Bigger chunks repeat less work (a person seen in two chunks is upserted
    /// twice): measured on a million events, 200k chunks 37-44k events/s, 500k 46k, 1M 49-51k. 500k keeps the
    /// progress bar moving and the chunk's temp tables near the rebuild session's temp_buffers (512 MB).
    /// </summary>
    public int RebuildChunkSize { get; set; } = 500_000;

    /// <summary>
    /// Connections a rebuild replays on, each the events of its share of persons (Rebuild/ParallelReplay), so
    /// PostgreSQL uses that many cores. 1 replays in sequence on one connection; a store holding an event the
    /// projection dead-letters is always replayed in sequence (the result is exact either way).
    /// </summary>
    public int RebuildWorkers { get; set; } = 2;
}

public sealed class DaemonOptions
{
    /// <summary>Run the daemon in this process (`warehouse serve --no-daemon` sets false). Only one instance leads.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Sequence numbers per batch: one transaction, a fixed number of statements.</summary>
    public int BatchSize { get; set; } = 5_000;

    /// <summary>How often an idle leader looks at the high-water mark; bounds freshness when traffic is light.</summary>
    public int PollMilliseconds { get; set; } = 50;

    /// <summary>How often a standby tries to take the leadership lock; a dead leader is replaced within this.</summary>
    public int StandbyRetryMilliseconds { get; set; } = 2_000;

    /// <summary>Backoff ceiling for transient database errors (doubling from 100 ms).</summary>
    public int MaxRetryDelayMilliseconds { get; set; } = 5_000;
}

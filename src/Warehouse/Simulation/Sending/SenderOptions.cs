namespace Warehouse.Simulation.Sending;

/// <param name="EventsPerSecond">Throttle; null = as fast as the warehouse takes them.</param>
/// <param name="MaxBatchBytes">Under Segment's 500 KB batch limit with room to spare.</param>
/// <param name="Concurrency">Batches in flight at once.</param>
/// <param name="MaxAttempts">Per batch, for 429/5xx and network errors, before giving up.</param>
internal sealed record SenderOptions(
    double? EventsPerSecond = null,
    int MaxBatchEvents = 500,
    int MaxBatchBytes = 400_000,
    int Concurrency = 4,
    int MaxAttempts = 12);

/// <summary>Progress of a send: events sent so far (accepted or duplicates), of how many, after how many retries.</summary>
internal readonly record struct SendProgress(int Sent, int Total, int Retries);

/// <summary>What a send did. <paramref name="Rejected"/> events were refused by ingestion (listed with reasons).</summary>
internal sealed record SendReport(int Batches, int Events, int Retries, int Rejected, IReadOnlyList<string> RejectReasons, TimeSpan Elapsed);

/// <summary>The warehouse refused the traffic for good (not a transient failure); the message says why.</summary>
internal sealed class SimulationSendException(string message) : Exception(message);

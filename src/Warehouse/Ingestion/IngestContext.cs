namespace Warehouse.Ingestion;

/// <summary>What the server knows about one request: who sent it, when, from where.</summary>
/// <param name="ReceivedAt">Server clock, read once per request (tracker-formats.md §8.7).</param>
public sealed record IngestContext(Source Source, string Path, DateTimeOffset ReceivedAt, string? Ip, string? UserAgent)
{
    /// <summary>ReceivedAt as every message of the request stores it: formatted once, not once per message.</summary>
    internal Json.JsonText ReceivedAtJson { get; } = new(EventTime.Format(ReceivedAt));
}

/// <summary>A message that was refused, with enough to find it in the quarantine.</summary>
public sealed record Rejection(int Index, string? MessageId, string Reason, ReadOnlyMemory<byte> Raw);

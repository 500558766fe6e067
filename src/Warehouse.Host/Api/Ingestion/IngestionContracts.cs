using System.Text.Json;

namespace Warehouse.Host.Api.Ingestion;

/// <summary>200: what was stored. <c>accepted</c> new events, <c>duplicates</c> already stored, <c>rejected</c> quarantined.</summary>
public sealed record IngestResponse(bool Success, int Accepted, int Duplicates, IReadOnlyList<RejectedMessage> Rejected);

/// <summary>One refused message: its position in the batch (0 for a single call), its messageId if it had one, why.</summary>
public sealed record RejectedMessage(int Index, string? MessageId, string Reason);

/// <summary>Every 4xx/5xx answer: <c>code</c> is stable, <c>message</c> says what to do.</summary>
public sealed record IngestErrorResponse(bool Success, string Code, string Message, IReadOnlyList<RejectedMessage>? Rejected = null);

/// <summary>A Segment message (the spec's common fields; anything else is kept as sent).</summary>
public sealed record SegmentMessage(string? Type, JsonElement? UserId, JsonElement? AnonymousId, string? Event, string? Name,
    JsonElement? Properties, JsonElement? Traits, JsonElement? Context, JsonElement? Integrations, string? MessageId,
    string? Timestamp, string? OriginalTimestamp, string? SentAt, string? PreviousId, string? GroupId, string? WriteKey);

/// <summary>The batch envelope of /v1/batch, /v1/import and /v1/b.</summary>
public sealed record SegmentBatch(IReadOnlyList<SegmentMessage> Batch, JsonElement? Context, JsonElement? Integrations,
    string? SentAt, string? WriteKey);

/// <summary>A catalogue entry of POST /v1/products.</summary>
public sealed record ProductEntry(JsonElement ProductId, string? Sku, string? Name, string? Category, string? Brand,
    decimal? Price, string? Currency, JsonElement? Attributes, string? MessageId);

/// <summary>The body of POST /v1/products.</summary>
public sealed record ProductBatch(IReadOnlyList<ProductEntry> Products, string? WriteKey);

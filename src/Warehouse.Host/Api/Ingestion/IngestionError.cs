namespace Warehouse.Host.Api.Ingestion;

/// <summary>A request-level failure: a status, a stable code and a message that says what to do.</summary>
internal sealed record IngestionError(int Status, string Code, string Message, int? RetryAfterSeconds = null)
{
    public static IngestionError TooLarge(long? size, int limit) => new(StatusCodes.Status413PayloadTooLarge, "payload_too_large",
        (size is null ? "The body is larger" : $"The body is {size} bytes, larger") +
        $" than the limit of {limit} bytes (counted after decompression). Send smaller batches: at most 500 KB per batch and 32 KB per message.");

    public static IngestionError Unauthorized(string message) => new(StatusCodes.Status401Unauthorized, "unauthorized", message);

    public static IngestionError InvalidJson(string detail) => new(StatusCodes.Status400BadRequest, "invalid_json",
        $"The body is not valid JSON ({detail}); nothing was stored.");
}

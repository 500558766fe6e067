using Warehouse.Ingestion;

namespace Warehouse.Host.Api.Ingestion;

/// <summary>How ingestion outcomes become HTTP answers (tracker-formats.md §1.9: 4xx only for bad data).</summary>
internal static class IngestionResults
{
    public static IResult Error(HttpContext http, IngestionError error, IReadOnlyList<Rejection>? rejected = null)
    {
        if (error.RetryAfterSeconds is { } seconds) http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new IngestErrorResponse(false, error.Code, error.Message, rejected?.Select(ToDto).ToList()), statusCode: error.Status);
    }

    public static IResult From(HttpContext http, IngestResult result, bool single, int retryAfter)
    {
        if (result.Status == IngestStatus.Overloaded)
            return Error(http, new IngestionError(StatusCodes.Status429TooManyRequests, "overloaded",
                "The warehouse is busy; nothing was stored. Retry after the Retry-After interval.", retryAfter));
        if (result.Accepted + result.Duplicates == 0 && result.Rejected.Count > 0)
        {
            var message = single
                ? $"The message was rejected: {result.Rejected[0].Reason}. It is kept in the quarantine (`warehouse quarantine list`)."
                : "No message in the batch is valid; every one is listed in \"rejected\" and kept in the quarantine (`warehouse quarantine list`).";
            return Error(http, new IngestionError(StatusCodes.Status400BadRequest, single ? "invalid_message" : "no_valid_messages", message), result.Rejected);
        }
        return Results.Json(new IngestResponse(true, result.Accepted, result.Duplicates, result.Rejected.Select(ToDto).ToList()));
    }

    private static RejectedMessage ToDto(Rejection r) => new(r.Index, r.MessageId, r.Reason);
}

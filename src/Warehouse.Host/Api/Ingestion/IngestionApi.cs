using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Warehouse.Ingestion;
using Warehouse.Ingestion.Catalogue;

namespace Warehouse.Host.Api.Ingestion;

/// <summary>
/// The Segment HTTP tracking API (tracker-formats.md §1) and the catalogue upsert. Every answer comes after the
/// events are committed; bad data gets a 4xx and is quarantined; a database that does not answer gets 503, a
/// full append queue 429, both with Retry-After, so SDKs retry and nothing is lost.
/// </summary>
public static class IngestionApi
{
    /// <summary>Single-call paths and the type they imply; analytics.js posts to the one-letter forms.</summary>
    private static readonly (string Path, string Type, string Name)[] SinglePaths =
    [
        ("/track", "track", "Track"), ("/identify", "identify", "Identify"), ("/page", "page", "Page"),
        ("/screen", "screen", "Screen"), ("/group", "group", "Group"), ("/alias", "alias", "Alias"),
        ("/t", "track", "TrackShort"), ("/i", "identify", "IdentifyShort"), ("/p", "page", "PageShort"),
        ("/s", "screen", "ScreenShort"), ("/g", "group", "GroupShort"), ("/a", "alias", "AliasShort"),
    ];

    private static readonly (string Path, string Name)[] BatchPaths = [("/batch", "Batch"), ("/import", "Import"), ("/b", "BatchShort")];

    public static IEndpointRouteBuilder MapIngestionApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("Ingestion");
        foreach (var (path, type, name) in SinglePaths)
        {
            v1.MapPost(path, Handler(Kind.Single, type))
                .WithName("Ingest" + name).WithSummary($"One {type} message (Segment spec).")
                .Accepts<SegmentMessage>("application/json", "text/plain", "*/*").WithResponses();
            v1.MapMethods(path, ["OPTIONS"], PreflightAsync).ExcludeFromDescription();
        }
        foreach (var (path, name) in BatchPaths)
        {
            v1.MapPost(path, Handler(Kind.Batch, null))
                .WithName("Ingest" + name).WithSummary("A batch of messages; each item carries its type. Valid ones are stored, invalid ones listed.")
                .Accepts<SegmentBatch>("application/json", "text/plain", "*/*").WithResponses();
            v1.MapMethods(path, ["OPTIONS"], PreflightAsync).ExcludeFromDescription();
        }
        v1.MapPost("/products", Handler(Kind.Products, null))
            .WithName("UpsertProducts").WithSummary("Catalogue upsert: one product_upserted event per changed product.")
            .Accepts<ProductBatch>("application/json", "*/*").WithResponses();
        v1.MapMethods("/products", ["OPTIONS"], PreflightAsync).ExcludeFromDescription();
        return app;
    }

    private enum Kind { Single, Batch, Products }

    // A Delegate (not a RequestDelegate), so minimal APIs write the returned IResult.
    private static Delegate Handler(Kind kind, string? type) => (HttpContext http) => HandleAsync(http, kind, type);

    private static RouteHandlerBuilder WithResponses(this RouteHandlerBuilder builder) => builder
        .Produces<IngestResponse>(StatusCodes.Status200OK)
        .Produces<IngestErrorResponse>(StatusCodes.Status400BadRequest)
        .Produces<IngestErrorResponse>(StatusCodes.Status401Unauthorized)
        .Produces<IngestErrorResponse>(StatusCodes.Status403Forbidden)
        .Produces<IngestErrorResponse>(StatusCodes.Status413PayloadTooLarge)
        .Produces<IngestErrorResponse>(StatusCodes.Status429TooManyRequests)
        .Produces<IngestErrorResponse>(StatusCodes.Status503ServiceUnavailable);

    private static async Task<IResult> PreflightAsync(HttpContext http, SourceCache sources, IOptions<IngestionOptions> options)
    {
        try
        {
            return await IngestionCors.PreflightAsync(http, sources);
        }
        catch (Exception e) when (IsDatabaseFailure(e, http.RequestAborted))
        {
            return Unavailable(http, options.Value, e);
        }
    }

    private static async Task<IResult> HandleAsync(HttpContext http, Kind kind, string? pathType)
    {
        var ct = http.RequestAborted;
        var services = http.RequestServices;
        var options = services.GetRequiredService<IOptions<IngestionOptions>>().Value;
        var sources = services.GetRequiredService<SourceCache>();
        var receivedAt = DateTimeOffset.UtcNow;
        RequestBody? body = null;
        try
        {
            Source? source = null;
            var headerKey = WriteKeyAuth.FromHeader(http.Request, out var malformed);
            if (malformed) return IngestionResults.Error(http, IngestionError.Unauthorized("The Authorization header is not valid Basic auth; send base64(\"<writeKey>:\")."));
            if (headerKey is not null)
            {
                source = await sources.FindAsync(headerKey, ct);
                if (Refuse(source) is { } refusal) return IngestionResults.Error(http, refusal);
                if (!IngestionCors.Allow(http, source)) return OriginRefused(http, source!);
            }

            var limit = kind == Kind.Single ? IngestionLimits.MaxMessageBytes : IngestionLimits.MaxBatchBytes;
            (body, var readError) = await RequestBody.ReadAsync(http.Request, limit, ct);
            if (readError is not null) return IngestionResults.Error(http, readError);

            SegmentBody parsed;
            try
            {
                parsed = kind switch
                {
                    Kind.Single => SegmentBody.ParseSingle(body!.Bytes),
                    Kind.Batch => SegmentBody.ParseBatch(body!.Bytes),
                    _ => SegmentBody.ParseBatch(body!.Bytes, "products"),
                };
            }
            catch (Exception e) when (e is JsonException or InvalidBodyException)
            {
                var error = e is JsonException ? IngestionError.InvalidJson(e.Message) : new IngestionError(StatusCodes.Status400BadRequest, "invalid_body", e.Message + "; nothing was stored.");
                if (source is not null)
                    await QuarantineStore.AddAsync(services.GetRequiredService<NpgsqlDataSource>(), source.Id, http.Request.Path, Ip(http),
                        [new Rejection(-1, null, error.Message, body!.Bytes)], ct);
                return IngestionResults.Error(http, error);
            }

            if (source is null)
            {
                if (parsed.WriteKey is not { Length: > 0 } bodyKey)
                    return IngestionResults.Error(http, IngestionError.Unauthorized(
                        "No write key: send HTTP Basic auth with the write key as the user name, or \"writeKey\" in the body. `warehouse sources add <name>` creates one."));
                source = await sources.FindAsync(bodyKey, ct);
                if (Refuse(source) is { } refusal) return IngestionResults.Error(http, refusal);
                if (!IngestionCors.Allow(http, source)) return OriginRefused(http, source!);
            }
            if (parsed.Messages.Count == 0)
                return IngestionResults.Error(http, new IngestionError(StatusCodes.Status400BadRequest, "empty_batch", "The batch is empty; nothing was stored."));

            var ctx = new IngestContext(source!, http.Request.Path, receivedAt, Ip(http), http.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null);
            var result = kind == Kind.Products
                ? await services.GetRequiredService<CatalogueIngestor>().IngestAsync(parsed, ctx, ct)
                : await services.GetRequiredService<IngestionService>().IngestAsync(parsed, pathType, ctx, ct);
            return IngestionResults.From(http, result, kind == Kind.Single, options.RetryAfterSeconds);
        }
        catch (Exception e) when (IsDatabaseFailure(e, ct))
        {
            return Unavailable(http, options, e);
        }
        finally
        {
            body?.Dispose();
        }
    }

    private static IngestionError? Refuse(Source? source) => source switch
    {
        null => IngestionError.Unauthorized("Unknown write key. Check the key, or create a source with `warehouse sources add <name>`."),
        { IsRevoked: true } => IngestionError.Unauthorized($"The write key of source '{source.Name}' was revoked; use the key of an active source."),
        _ => null,
    };

    private static IResult OriginRefused(HttpContext http, Source source) => IngestionResults.Error(http, new IngestionError(
        StatusCodes.Status403Forbidden, "origin_not_allowed", $"Source '{source.Name}' does not accept requests from this origin; nothing was stored."));

    private static IResult Unavailable(HttpContext http, IngestionOptions options, Exception e)
    {
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Warehouse.Ingestion")
            .LogWarning("Ingestion answered 503, the database failed: {Error}", e.Message);
        return IngestionResults.Error(http, new IngestionError(StatusCodes.Status503ServiceUnavailable, "database_unavailable",
            "The warehouse database is not available; nothing was stored. Retry after the Retry-After interval.", options.RetryAfterSeconds));
    }

    /// <summary>Failures of the database, not of the request: the client must retry, so never a 4xx.</summary>
    private static bool IsDatabaseFailure(Exception e, CancellationToken requestAborted) => e switch
    {
        NpgsqlException or TimeoutException or SocketException => true,
        OperationCanceledException => !requestAborted.IsCancellationRequested, // a command timeout, not the client leaving
        InvalidOperationException { InnerException: NpgsqlException or TimeoutException or SocketException } => true,
        _ => false,
    };

    private static string? Ip(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();
}

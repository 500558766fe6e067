using Microsoft.Net.Http.Headers;
using Warehouse.Ingestion;

namespace Warehouse.Host.Api.Ingestion;

/// <summary>
/// Browser trackers post cross-origin. A preflight carries no write key, so it is allowed when any active
/// source accepts the origin; the real request is then checked against its own source's allowed origins.
/// </summary>
internal static class IngestionCors
{
    private const string DefaultHeaders = "Authorization, Content-Type, Content-Encoding, X-Retry-Count";

    public static async Task<IResult> PreflightAsync(HttpContext http, SourceCache sources)
    {
        var origin = http.Request.Headers[HeaderNames.Origin].ToString();
        if (origin.Length == 0) return Results.NoContent();
        if (!await sources.AnySourceAllowsAsync(origin, http.RequestAborted))
            return IngestionResults.Error(http, new IngestionError(StatusCodes.Status403Forbidden, "origin_not_allowed",
                $"No source accepts requests from {origin}; add it with `warehouse sources add <name> --allowed-origin {origin}`."));
        var headers = http.Response.Headers;
        headers[HeaderNames.AccessControlAllowOrigin] = origin;
        headers[HeaderNames.AccessControlAllowMethods] = "POST, OPTIONS";
        var requested = http.Request.Headers[HeaderNames.AccessControlRequestHeaders].ToString();
        headers[HeaderNames.AccessControlAllowHeaders] = requested.Length > 0 ? requested : DefaultHeaders;
        headers[HeaderNames.AccessControlMaxAge] = "86400";
        headers.Append(HeaderNames.Vary, "Origin");
        return Results.NoContent();
    }

    /// <returns>False when the source restricts origins and this one is not among them.</returns>
    public static bool Allow(HttpContext http, Source? source)
    {
        var origin = http.Request.Headers[HeaderNames.Origin].ToString();
        if (origin.Length == 0) return true;
        if (source is not null && !source.AllowsOrigin(origin)) return false;
        http.Response.Headers[HeaderNames.AccessControlAllowOrigin] = origin;
        http.Response.Headers.Append(HeaderNames.Vary, "Origin");
        return true;
    }
}

using System.Globalization;
using Npgsql;
using Warehouse.Kpis;

namespace Warehouse.Host.Api;

/// <summary>
/// GET /api/kpis/{name}?from=&amp;to=&amp;tz=&amp;as_of=&amp;format=json|csv, for bearer tokens with scope kpi:read.
/// 401 without a valid token, 403 without the scope, 400 for an unknown KPI or a bad parameter.
/// </summary>
public static class KpiApi
{
    public static IEndpointRouteBuilder MapKpiApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/kpis/{name}", GetAsync).WithName("GetKpi").WithTags("KPIs")
            .WithSummary("One KPI for a date range in a reporting time zone, optionally as of a past received time.");
        return app;
    }

    private static async Task<IResult> GetAsync(string name, HttpContext http, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var denied = await AuthorizeAsync(http, dataSource, TokenStore.KpiRead, ct);
        if (denied is not null) return denied;

        var query = http.Request.Query;
        var format = query["format"].ToString() is { Length: > 0 } f ? f.ToLowerInvariant() : "json";
        if (format is not ("json" or "csv")) return BadRequest($"format must be json or csv, not '{format}'.");
        if (KpiCatalog.Find(name) is null) return BadRequest($"Unknown KPI '{name}'. Known: {KpiCatalog.Names}.");
        if (!TryDate(query["from"], "from", out var from, out var error)) return BadRequest(error);
        if (!TryDate(query["to"], "to", out var to, out error)) return BadRequest(error);
        DateTimeOffset? asOf = null;
        if (query["as_of"].ToString() is { Length: > 0 } asOfText)
        {
            if (!DateTimeOffset.TryParse(asOfText, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                return BadRequest($"as_of '{asOfText}' is not a date-time; use ISO 8601, e.g. 2026-01-31T12:00:00Z.");
            asOf = parsed;
        }
        var tz = query["tz"].ToString() is { Length: > 0 } t ? t : "UTC";

        KpiResult result;
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            result = await KpiQuery.RunAsync(conn, new KpiRequest(name, from, to, tz, asOf), ct);
        }
        catch (KpiArgumentException e)
        {
            return BadRequest(e.Message);
        }
        if (format == "csv") return Results.Text(KpiCsv.Format(result), "text/csv; charset=utf-8");
        return Results.Json(new
        {
            kpi = result.Kpi,
            from = result.From,
            to = result.To,
            tz = result.TimeZone,
            as_of = result.AsOf,
            rows = result.RowObjects(),
        });
    }

    /// <returns>null when the request carries a valid token with <paramref name="scope"/>, else the 401/403 answer.</returns>
    internal static async Task<IResult?> AuthorizeAsync(HttpContext http, NpgsqlDataSource dataSource, string scope, CancellationToken ct)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Unauthorized(http, "A bearer token is required: Authorization: Bearer <token> (create one with `warehouse tokens add <name> --scope kpi:read`).");
        var token = await TokenStore.VerifyAsync(dataSource, header["Bearer ".Length..].Trim(), ct);
        if (token is null) return Unauthorized(http, "The bearer token is unknown or revoked.");
        if (!token.Allows(scope))
            return Results.Json(new { error = $"The token '{token.Name}' lacks scope {scope}; create one with `warehouse tokens add <name> --scope {scope}`." },
                statusCode: StatusCodes.Status403Forbidden);
        return null;
    }

    private static IResult Unauthorized(HttpContext http, string message)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Json(new { error = message }, statusCode: StatusCodes.Status401Unauthorized);
    }

    private static IResult BadRequest(string message) => Results.Json(new { error = message }, statusCode: StatusCodes.Status400BadRequest);

    private static bool TryDate(string? text, string name, out DateOnly? value, out string error)
    {
        value = null;
        error = "";
        if (string.IsNullOrEmpty(text)) return true;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            value = d;
            return true;
        }
        error = $"{name} '{text}' is not a date; use YYYY-MM-DD.";
        return false;
    }
}

using Warehouse.Health;

namespace Warehouse.Host.Api;

/// <summary>GET /health: 200 when every section is healthy, 503 with what is wrong otherwise.</summary>
public static class HealthApi
{
    private static readonly TimeSpan SectionTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", CheckAsync).WithName("Health").WithTags("Health")
            .WithSummary("Database reachable, migrations current, projections caught up.");
        return app;
    }

    private static async Task<IResult> CheckAsync(IEnumerable<IHealthContributor> contributors, CancellationToken ct)
    {
        var sections = new Dictionary<string, object>();
        var healthy = true;
        foreach (var contributor in contributors)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(SectionTimeout);
            HealthSection section;
            try
            {
                section = await contributor.CheckAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                section = new HealthSection(false, new { status = "timeout", message = $"no answer within {SectionTimeout.TotalSeconds:0} s" });
            }
            healthy &= section.Healthy;
            sections[contributor.Name] = section.Details;
        }
        var body = new { status = healthy ? "healthy" : "unhealthy", checks = sections };
        return Results.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}

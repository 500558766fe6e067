namespace Warehouse.Health;

/// <summary>
/// One section of GET /health. Each feature that can be unhealthy (database, migrations, projection lag)
/// registers one; the endpoint answers 503 when any section is unhealthy.
/// </summary>
public interface IHealthContributor
{
    string Name { get; }
    Task<HealthSection> CheckAsync(CancellationToken ct);
}

/// <param name="Healthy">False turns the whole answer into a 503.</param>
/// <param name="Details">Serialised as the section's JSON body; say what is wrong and what to do.</param>
public sealed record HealthSection(bool Healthy, object Details);

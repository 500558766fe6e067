using System.Text.Json;

namespace Warehouse.Simulation.Verification;

/// <summary>
/// Waits over HTTP until the projections have caught up: /health's projections section reports no lag
/// (for --verify --token, when the simulator has no database access).
/// </summary>
internal static class HealthCatchUp
{
    public static async Task WaitAsync(HttpClient http, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        long? lag = null;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("health", ct);
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                if (doc.RootElement.TryGetProperty("checks", out var checks) && checks.TryGetProperty("projections", out var p)
                    && p.TryGetProperty("lagEvents", out var events) && events.TryGetInt64(out var value))
                {
                    lag = value;
                    if (value == 0) return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or JsonException) { /* the server may be busy: ask again */ }
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"The projections did not catch up within {timeout.TotalSeconds:0} s " +
                                           $"({(lag is { } l ? $"{l} events behind" : "no projection status in /health")}). Is the daemon running?");
            await Task.Delay(200, ct);
        }
    }
}

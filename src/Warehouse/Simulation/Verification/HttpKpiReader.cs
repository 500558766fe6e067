using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Warehouse.Simulation.Verification;

/// <summary>Reads KPIs from GET /api/kpis/{name}?from=&amp;to=&amp;tz=&amp;format=json with a bearer token.</summary>
internal sealed class HttpKpiReader(HttpClient http, string token) : IKpiReader
{
    public async Task<KpiRows> ReadAsync(string kpi, DateOnly from, DateOnly to, string timeZone, CancellationToken ct)
    {
        var url = $"api/kpis/{Uri.EscapeDataString(kpi)}?from={from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}" +
                  $"&to={to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}&tz={Uri.EscapeDataString(timeZone)}&format=json";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {text}");
        using var doc = JsonDocument.Parse(text);
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        var columns = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in doc.RootElement.GetProperty("rows").EnumerateArray())
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var p in row.EnumerateObject())
            {
                values[p.Name] = p.Value.Clone();
                columns.Add(p.Name);
            }
            rows.Add(values);
        }
        return new KpiRows(columns, rows);
    }
}

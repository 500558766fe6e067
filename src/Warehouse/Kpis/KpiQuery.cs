using Npgsql;

namespace Warehouse.Kpis;

/// <summary>
/// Runs a KPI by name on a connection: the one path the CLI, the HTTP API, the simulator's --verify and the demo
/// share. Calls kpi.&lt;name&gt;(from, to, tz, as_of), which reads the pre-aggregates when they are current and
/// the facts otherwise (time travel).
/// </summary>
public static class KpiQuery
{
    /// <summary>Default statement timeout: an as_of before the newest fact recomputes from every fact (minutes at 10M).</summary>
    public const int DefaultTimeoutSeconds = 600;

    public static async Task<KpiResult> RunAsync(NpgsqlConnection connection, KpiRequest request, CancellationToken ct = default) =>
        await RunAsync(connection, request, fromFacts: false, ct);

    /// <param name="fromFacts">Compute from fct_interactions even when pre-aggregates are current (checks, bench).</param>
    /// <param name="timeoutSeconds">Statement timeout; 0 = none.</param>
    public static async Task<KpiResult> RunAsync(NpgsqlConnection connection, KpiRequest request, bool fromFacts, CancellationToken ct,
        int timeoutSeconds = DefaultTimeoutSeconds)
    {
        var kpi = KpiCatalog.Find(request.Name)
                  ?? throw new KpiArgumentException($"Unknown KPI '{request.Name}'. Known: {KpiCatalog.Names}.");
        if (string.IsNullOrWhiteSpace(request.TimeZone))
            throw new KpiArgumentException("tz is empty: give an IANA time zone such as UTC or Europe/Berlin.");
        try
        {
            // The range first: it validates tz and from/to and reports the defaults actually used.
            DateOnly from, to;
            await using (var range = new NpgsqlCommand("select lo, hi from kpi.kpi_range($1, $2, $3, $4)", connection))
            {
                AddParameters(range, request);
                await using var reader = await range.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                from = reader.GetFieldValue<DateOnly>(0);
                to = reader.GetFieldValue<DateOnly>(1);
            }

            // The function name comes from the catalogue, never from the caller.
            await using var cmd = new NpgsqlCommand($"select * from kpi.{kpi.SqlName}($1, $2, $3, $4, $5)", connection)
            {
                CommandTimeout = timeoutSeconds,
            };
            AddParameters(cmd, request with { From = from, To = to });
            cmd.Parameters.Add(new() { Value = fromFacts });
            await using var rows = await cmd.ExecuteReaderAsync(ct);
            var columns = Enumerable.Range(0, rows.FieldCount).Select(rows.GetName).ToList();
            var result = new List<IReadOnlyList<object?>>();
            while (await rows.ReadAsync(ct))
            {
                var row = new object?[rows.FieldCount];
                for (var i = 0; i < row.Length; i++)
                    row[i] = rows.IsDBNull(i) ? null
                        : rows.GetDataTypeName(i) == "date" ? rows.GetFieldValue<DateOnly>(i)
                        : rows.GetValue(i);
                result.Add(row);
            }
            return new KpiResult(kpi.Name, from, to, request.TimeZone, request.AsOf, columns, result);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidParameterValue or PostgresErrorCodes.DatetimeFieldOverflow)
        {
            throw new KpiArgumentException(e.MessageText);
        }
    }

    private static void AddParameters(NpgsqlCommand cmd, KpiRequest request)
    {
        cmd.Parameters.Add(new() { Value = request.From is { } f ? f : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
        cmd.Parameters.Add(new() { Value = request.To is { } t ? t : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
        cmd.Parameters.Add(new() { Value = request.TimeZone });
        cmd.Parameters.Add(new() { Value = request.AsOf is { } a ? a.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
    }
}

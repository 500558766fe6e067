using System.Globalization;
using Npgsql;
using Warehouse.Database;
using Warehouse.Database.Migrations;
using Warehouse.IntegrationTests.Infrastructure;
using Warehouse.Kpis;

namespace Warehouse.IntegrationTests.Kpis;

/// <summary>
/// A fresh migrated database per test (KPIs count every user, so tests must not share one), with helpers to put
/// facts straight into the star schema (the SQL-level tests; the end-to-end ones go through ingestion), keep
/// the pre-aggregates in step as the projection would, and run KPIs both ways.
/// </summary>
public abstract class KpiDatabase : IAsyncLifetime
{
    private readonly string _name = TestPostgres.NewDatabaseName("wk");
    private NpgsqlDataSource? _dataSource;
    private long _seq;

    protected string ConnectionString { get; private set; } = "";
    protected NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateMigratedDatabaseAsync(_name);
        _dataSource = WarehouseDataSource.Create(ConnectionString, "warehouse-tests");
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await TestPostgres.DropDatabaseAsync(_name);
    }

    protected static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>One event's fact rows (several for an order's lines), then the listener's refresh for the user.</summary>
    protected async Task FactAsync(long user, string category, string occurredAt, string? receivedAt = null,
        string? orderId = null, decimal[]? lines = null, string? utmSource = null, string? utmMedium = null, string? utmCampaign = null,
        bool refresh = true)
    {
        var seq = ++_seq;
        var occurred = At(occurredAt);
        var received = receivedAt is null ? occurred : At(receivedAt);
        var revenues = lines ?? [0m];
        await using var conn = await DataSource.OpenConnectionAsync();
        for (var i = 0; i < revenues.Length; i++)
        {
            await using var cmd = new NpgsqlCommand("""
                insert into warehouse.fct_interactions (interaction_id, user_key, category, occurred_at, received_at, order_id,
                    revenue, utm_source, utm_medium, utm_campaign, event_seq)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                """, conn);
            cmd.Parameters.Add(new() { Value = lines is null ? $"ev{seq}" : $"ev{seq}:{i}" });
            cmd.Parameters.Add(new() { Value = user });
            cmd.Parameters.Add(new() { Value = category });
            cmd.Parameters.Add(new() { Value = occurred });
            cmd.Parameters.Add(new() { Value = received });
            cmd.Parameters.Add(new() { Value = (object?)orderId ?? DBNull.Value });
            cmd.Parameters.Add(new() { Value = lines is null ? DBNull.Value : revenues[i] });
            cmd.Parameters.Add(new() { Value = (object?)utmSource ?? DBNull.Value });
            cmd.Parameters.Add(new() { Value = (object?)utmMedium ?? DBNull.Value });
            cmd.Parameters.Add(new() { Value = (object?)utmCampaign ?? DBNull.Value });
            cmd.Parameters.Add(new() { Value = seq });
            await cmd.ExecuteNonQueryAsync();
        }
        if (refresh) await new KpiPreaggregates().OnUsersChangedAsync(conn, [user], CancellationToken.None);
    }

    protected async Task<KpiResult> KpiAsync(string name, string from, string to, string tz = "UTC", string? asOf = null, bool fromFacts = false)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        var request = new KpiRequest(name, DateOnly.Parse(from, CultureInfo.InvariantCulture), DateOnly.Parse(to, CultureInfo.InvariantCulture), tz,
            asOf is null ? null : At(asOf));
        return await KpiQuery.RunAsync(conn, request, fromFacts, CancellationToken.None);
    }

    /// <summary>The KPI's rows as "v1|v2|…" over the given columns: compact, exact expectations.</summary>
    protected async Task<string[]> RowsAsync(string name, string from, string to, string[] columns, string tz = "UTC", string? asOf = null)
    {
        var fast = await KpiAsync(name, from, to, tz, asOf);
        var slow = await KpiAsync(name, from, to, tz, asOf, fromFacts: true);
        var rendered = Render(fast, columns);
        // Whatever path answered, computing from the facts must give the same rows.
        Assert.Equal(Render(fast, fast.Columns.ToArray()), Render(slow, slow.Columns.ToArray()));
        return rendered;
    }

    protected static string[] Render(KpiResult result, string[] columns)
    {
        var index = columns.Select(c => result.Columns.ToList().IndexOf(c)).ToArray();
        Assert.DoesNotContain(-1, index);
        return result.Rows.Select(r => string.Join("|", index.Select(i => KpiCsv.FormatValue(r[i])))).ToArray();
    }

    /// <summary>Every sql/tests/assert_*.sql returns no rows.</summary>
    protected async Task AssertDataTestsPassAsync()
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        foreach (var test in SqlScripts.DataTests())
        {
            await using var cmd = new NpgsqlCommand(test.Sql, conn);
            await using var reader = await cmd.ExecuteReaderAsync();
            var offending = new List<string>();
            while (await reader.ReadAsync())
                offending.Add(string.Join(", ", Enumerable.Range(0, reader.FieldCount).Select(i => $"{reader.GetName(i)}={reader.GetValue(i)}")));
            Assert.True(offending.Count == 0, $"{test.Name} returned {offending.Count} rows: {string.Join("; ", offending.Take(5))}");
        }
    }

    protected async Task ExecAsync(string sql)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

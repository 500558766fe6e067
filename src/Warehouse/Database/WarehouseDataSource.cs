using Npgsql;

namespace Warehouse.Database;

/// <summary>The single way into the database: one NpgsqlDataSource per process (Npgsql's recommendation).</summary>
public static class WarehouseDataSource
{
    public static NpgsqlDataSource Create(string connectionString, string applicationName = "warehouse")
    {
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(csb.ApplicationName)) csb.ApplicationName = applicationName;
        var builder = new NpgsqlDataSourceBuilder(csb.ConnectionString);
        return builder.Build();
    }
}

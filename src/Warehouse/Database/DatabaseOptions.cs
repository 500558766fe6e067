namespace Warehouse.Database;

/// <summary>Where the warehouse database is. Bound from the "Database" configuration section.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Npgsql connection string; null means "start or reuse the embedded cluster".</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Folder of the embedded cluster.</summary>
    public string DataDirectory { get; set; } = Path.Combine(".warehouse", "pg");

    /// <summary>Name of the database created inside the embedded cluster.</summary>
    public string EmbeddedDatabaseName { get; set; } = "warehouse";

    /// <summary>Login role for dashboards: reads kpi and warehouse, never events, writes nothing.</summary>
    public string ReadOnlyRole { get; set; } = "warehouse_reader";

    /// <summary>Its password. Comes from configuration (WAREHOUSE__Database__ReadOnlyPassword), never from source;
    /// without one the role exists but cannot log in.</summary>
    public string? ReadOnlyPassword { get; set; }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Warehouse.Database.Embedded;

namespace Warehouse.Database;

/// <summary>
/// The database in use for one process: the configured server, or the embedded cluster, which this handle
/// starts (or joins) and releases on dispose. Every verb that touches the database opens one of these.
/// </summary>
public sealed class WarehouseDatabase : IAsyncDisposable
{
    private readonly EmbeddedCluster? _cluster;

    private WarehouseDatabase(string connectionString, EmbeddedCluster? cluster)
    {
        ConnectionString = connectionString;
        _cluster = cluster;
    }

    public string ConnectionString { get; }
    public bool IsEmbedded => _cluster is not null;
    public string? EmbeddedDataDirectory => _cluster?.DataDirectory;

    public static async Task<WarehouseDatabase> OpenAsync(DatabaseOptions options, ILogger? logger = null, CancellationToken ct = default)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            // Validate early, so a typo gets a message about the connection string rather than a stack trace later.
            try { _ = new NpgsqlConnectionStringBuilder(options.ConnectionString); }
            catch (ArgumentException e)
            {
                throw new EmbeddedPostgresException($"The connection string given by --db or WAREHOUSE_DB is not valid: {e.Message}");
            }
            return new WarehouseDatabase(options.ConnectionString, null);
        }

        var cluster = new EmbeddedCluster(options.DataDirectory, logger ?? NullLogger.Instance);
        try
        {
            await cluster.StartAsync(ct);
            var connectionString = await cluster.EnsureDatabaseAsync(options.EmbeddedDatabaseName, ct);
            return new WarehouseDatabase(connectionString, cluster);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public NpgsqlDataSource CreateDataSource(string applicationName = "warehouse") =>
        WarehouseDataSource.Create(ConnectionString, applicationName);

    public ValueTask DisposeAsync() => _cluster?.DisposeAsync() ?? ValueTask.CompletedTask;
}

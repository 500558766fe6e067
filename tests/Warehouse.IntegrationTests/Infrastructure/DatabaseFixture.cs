using Npgsql;
using Warehouse.Database;

namespace Warehouse.IntegrationTests.Infrastructure;

/// <summary>
/// A fresh, migrated database for one test class (xunit class fixture), dropped afterwards. Tests inside
/// the class share it, so they use unique keys (a new source, user or order id per test) rather than cleanup.
/// </summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private readonly string _name = TestPostgres.NewDatabaseName();
    private NpgsqlDataSource? _dataSource;

    public string ConnectionString { get; private set; } = "";
    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("fixture not initialised");

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
}

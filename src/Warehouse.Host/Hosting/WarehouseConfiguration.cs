using Microsoft.Extensions.Configuration;

namespace Warehouse.Host.Hosting;

/// <summary>
/// Configuration the usual .NET way, lowest precedence first: appsettings.json beside the binary,
/// WAREHOUSE__* environment variables (WAREHOUSE__Database__ConnectionString), the WAREHOUSE_DB shortcut,
/// then command-line options.
/// </summary>
public static class WarehouseConfiguration
{
    public const string EnvironmentPrefix = "WAREHOUSE__";
    public const string DatabaseShortcutVariable = "WAREHOUSE_DB";

    public static IConfigurationBuilder AddWarehouseSources(this IConfigurationBuilder builder, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        var shortcut = Environment.GetEnvironmentVariable(DatabaseShortcutVariable);
        if (!string.IsNullOrWhiteSpace(shortcut))
            builder.AddInMemoryCollection([new("Database:ConnectionString", shortcut)]);
        if (overrides is not null) builder.AddInMemoryCollection(overrides);
        return builder;
    }

    public static IConfigurationRoot Build(IReadOnlyDictionary<string, string?>? overrides = null) =>
        new ConfigurationBuilder().AddWarehouseSources(overrides).Build();
}

using Warehouse.Host.Hosting;

namespace Warehouse.Host.Cli;

/// <summary>Logging for verbs that do not run the web host: informational lines on stderr.</summary>
public static class CliLogging
{
    public static readonly ILoggerFactory Factory = LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(LogLevel.Information);
        b.AddFilter("Microsoft", LogLevel.Warning);
        b.AddFilter("Npgsql", LogLevel.Warning);
        b.AddWarehouseConsole();
        b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    });
}

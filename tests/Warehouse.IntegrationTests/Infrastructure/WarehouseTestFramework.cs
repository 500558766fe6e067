using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Warehouse.IntegrationTests.Infrastructure.WarehouseTestFramework", "Warehouse.IntegrationTests")]

namespace Warehouse.IntegrationTests.Infrastructure;

/// <summary>
/// xunit disposes its test framework after the last test, inside the run, whether tests passed or failed:
/// the one reliable place to stop the run's cluster and delete its folder (ProcessExit may be cut short).
/// </summary>
public sealed class WarehouseTestFramework : XunitTestFramework
{
    public WarehouseTestFramework(IMessageSink messageSink) : base(messageSink) =>
        DisposalTracker.Add(new Shutdown());

    private sealed class Shutdown : IDisposable
    {
        public void Dispose() => TestPostgres.ShutdownAsync().GetAwaiter().GetResult();
    }
}

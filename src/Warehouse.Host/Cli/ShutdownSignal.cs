using System.Runtime.InteropServices;

namespace Warehouse.Host.Cli;

/// <summary>Turns Ctrl+C (SIGINT), SIGTERM and SIGQUIT into one cancellation token for a graceful stop.</summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly List<PosixSignalRegistration> _registrations = [];

    public ShutdownSignal()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true; // do not let the runtime end the process: we stop, then return
                _cts.Cancel();
            }));
        }
    }

    public CancellationToken Token => _cts.Token;

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}

using System.Diagnostics;
using Warehouse.Database.Embedded;

namespace Warehouse.IntegrationTests.Infrastructure;

/// <summary>
/// The test host can be ended before its own clean-up finishes (the runner kills it soon after the last
/// result, and a crash or Ctrl+C skips clean-up altogether). A detached shell waits for the test process to
/// go, then stops the run's cluster and deletes its folder, so no cluster outlives the run.
/// </summary>
internal static class ClusterWatchdog
{
    public static void Start(string clusterDirectory)
    {
        var binaries = PostgresBinaries.FindOrThrow();
        var pgData = Path.Combine(clusterDirectory, "data");
        var stop = $"'{binaries.PgCtl}' stop -D '{pgData}' -m immediate -w";
        if (ProcessRunner.IsRoot) stop = $"runuser -u {ProcessRunner.ServiceUser} -- {stop}";
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 0.5; done; " +
                     $"[ -f '{pgData}/postmaster.pid' ] && {stop} >/dev/null 2>&1; rm -rf '{clusterDirectory}'";
        var psi = new ProcessStartInfo("setsid", ["/bin/sh", "-c", script])
        {
            UseShellExecute = false,
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(psi);
    }
}

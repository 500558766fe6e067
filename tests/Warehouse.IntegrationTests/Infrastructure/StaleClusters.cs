using System.Diagnostics;
using Warehouse.Database.Embedded;

namespace Warehouse.IntegrationTests.Infrastructure;

/// <summary>
/// A test run killed hard (no ProcessExit) leaves its cluster running. The next run stops every cluster
/// whose owning test process is gone and deletes its folder, so clusters never pile up.
/// </summary>
internal static class StaleClusters
{
    public static async Task RemoveAsync(string root)
    {
        if (!Directory.Exists(root)) return;
        var binaries = PostgresBinaries.Find();
        foreach (var dir in Directory.GetDirectories(root, "run_*"))
        {
            var parts = Path.GetFileName(dir).Split('_');
            if (parts.Length < 2 || !int.TryParse(parts[1], out var pid) || IsAlive(pid)) continue;
            var pgData = Path.Combine(dir, "data");
            if (binaries is not null && File.Exists(Path.Combine(pgData, "postmaster.pid")))
                await ProcessRunner.RunAsync(binaries.PgCtl, ["stop", "-D", pgData, "-m", "immediate", "-w"], TimeSpan.FromSeconds(30));
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

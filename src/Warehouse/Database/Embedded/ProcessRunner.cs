using System.Diagnostics;

namespace Warehouse.Database.Embedded;

/// <summary>
/// Runs the PostgreSQL programs. PostgreSQL refuses to run as root, so as root every program runs as the
/// unprivileged `postgres` OS user (created by the server package) through runuser.
/// </summary>
internal static class ProcessRunner
{
    public const string ServiceUser = "postgres";

    public static bool IsRoot => Environment.UserName == "root";

    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> args,
        TimeSpan timeout, CancellationToken ct = default)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (IsRoot)
        {
            psi.FileName = "runuser";
            foreach (var a in new[] { "-u", ServiceUser, "--", program }) psi.ArgumentList.Add(a);
        }
        else
        {
            psi.FileName = program;
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Keep the child off our terminal's locale quirks; the server logs go to its own log file.
        psi.Environment["LC_ALL"] = "C";

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"{Path.GetFileName(program)} did not finish within {timeout.TotalSeconds:0} s");
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    /// <summary>Hands a folder to the postgres OS user (only needed, and only possible, as root).</summary>
    public static async Task ChownToServiceUserAsync(string path)
    {
        if (!IsRoot) return;
        var psi = new ProcessStartInfo("chown") { UseShellExecute = false, RedirectStandardError = true };
        psi.ArgumentList.Add("-R");
        psi.ArgumentList.Add($"{ServiceUser}:{ServiceUser}");
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new EmbeddedPostgresException(
                $"Running as root, the cluster must belong to the '{ServiceUser}' OS user, but chown failed: {err.Trim()} " +
                $"Create the user (the PostgreSQL server package does), or run Warehouse as a normal user.");
    }
}

public sealed class EmbeddedPostgresException(string message) : Exception(message);

namespace Warehouse.Database.Embedded;

/// <summary>
/// An exclusive lock on a file, held by an open FileStream (flock on Unix). The OS releases it when the
/// process dies, so a crashed starter never leaves the cluster locked.
/// </summary>
internal static class ClusterLock
{
    public static async Task<IDisposable> AcquireAsync(string path, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, ct);
            }
            catch (IOException e)
            {
                throw new EmbeddedPostgresException(
                    $"Another process has held {path} for three minutes while starting or stopping the cluster; " +
                    $"stop it or choose another --data-dir. ({e.Message})");
            }
        }
    }
}

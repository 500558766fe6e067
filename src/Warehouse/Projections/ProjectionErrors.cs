using Npgsql;

namespace Warehouse.Projections;

/// <summary>Which failures are the event's fault (dead-letter it) and which are the database's (retry).</summary>
internal static class ProjectionErrors
{
    /// <summary>
    /// Class 22 (data exception: a bad cast, an out-of-range number) and 23 (a constraint the event breaks, such
    /// as a tracker event with no id at all) come from the event's content; replaying it would fail again.
    /// </summary>
    public static bool IsBadEvent(Exception e) =>
        e is PostgresException p && (p.SqlState.StartsWith("22", StringComparison.Ordinal) || p.SqlState.StartsWith("23", StringComparison.Ordinal));

    /// <summary>Anything else from the database or the network: back off and retry the same batch.</summary>
    public static bool IsTransient(Exception e) =>
        !IsBadEvent(e) && e is NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException;
}

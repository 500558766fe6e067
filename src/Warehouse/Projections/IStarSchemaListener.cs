using Npgsql;

namespace Warehouse.Projections;

/// <summary>
/// Keeps tables derived from the star schema (KPI pre-aggregates, for example daily per-user activity) in
/// step with it, inside the projection's own transaction, so they are never ahead of or behind the facts.
/// Registered in DI; the projection daemon calls every registered listener.
/// </summary>
public interface IStarSchemaListener
{
    /// <summary>
    /// After a batch changed facts or dimension rows of these users (keys merged away by identity stitching
    /// included), before the batch's checkpoint commits. Same connection and transaction as the batch.
    /// </summary>
    Task OnUsersChangedAsync(NpgsqlConnection connection, IReadOnlyCollection<long> userKeys, CancellationToken ct);

    /// <summary>
    /// After a rebuild has filled the fresh copy of the star schema in <paramref name="schema"/>, before it is
    /// swapped in: rebuild the derived tables of that schema from scratch, set-based.
    /// </summary>
    Task OnRebuiltAsync(NpgsqlConnection connection, string schema, CancellationToken ct);

    /// <summary>
    /// After a rebuild's swap committed, in a transaction of its own that holds the daemon off (readers are not
    /// blocked): the place for slow work on the swapped-in tables. The swap itself holds exclusive locks on every
    /// table of schema warehouse, so anything done inside it blocks every reader. While sql/views are re-created in
    /// the swap, the setting <c>warehouse.in_rebuild_swap</c> is 'on' so that view scripts can leave such work to
    /// this method.
    /// </summary>
    Task OnSwappedInAsync(NpgsqlConnection connection, CancellationToken ct) => Task.CompletedTask;
}

namespace Warehouse.Projections.Batch;

/// <summary>
/// One worker's share of a parallel rebuild: the events whose person's final key is <see cref="Index"/> modulo
/// <see cref="Count"/>. Every id an event names belongs to that one person (the event links them), so workers
/// never write the same identity, person or fact, and can run side by side without waiting on each other.
/// </summary>
/// <param name="PersonMap">Table (identity, user_key) of the ids whose person merges with others, and its final key.</param>
internal sealed record PersonShare(int Index, int Count, string PersonMap);

namespace Warehouse.Projections.Batch;

/// <summary>
/// Union-find over person keys: linked keys form one person, whose key is the smallest of its component. The
/// outcome depends only on which links exist, never on their order, so a batch's merges, the next batch's and
/// a rebuild's single pass over every link all agree.
/// </summary>
internal sealed class PersonComponents
{
    private readonly Dictionary<long, long> _parent = new();

    public void Link(long a, long b)
    {
        _parent.TryAdd(a, a);
        _parent.TryAdd(b, b);
        var (ra, rb) = (Find(a), Find(b));
        if (ra != rb) _parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
    }

    /// <summary>The component's smallest key (a key never linked is its own).</summary>
    public long Find(long x)
    {
        if (!_parent.ContainsKey(x)) return x;
        while (_parent[x] != x)
        {
            _parent[x] = _parent[_parent[x]]; // path halving; a root is always its component's smallest key
            x = _parent[x];
        }
        return x;
    }

    /// <summary>Every linked key that is not its component's smallest, with that smallest key.</summary>
    public IEnumerable<(long Old, long New)> Merges() =>
        _parent.Keys.ToList().Select(k => (Old: k, New: Find(k))).Where(m => m.Old != m.New);
}

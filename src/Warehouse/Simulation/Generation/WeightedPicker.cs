namespace Warehouse.Simulation.Generation;

/// <summary>Draws items in proportion to their weights (cumulative weights and a binary search).</summary>
internal sealed class WeightedPicker<T>
{
    private readonly T[] _items;
    private readonly double[] _cumulative;

    public WeightedPicker(IEnumerable<(T Item, double Weight)> weighted)
    {
        var list = weighted.Where(w => w.Weight > 0).ToList();
        if (list.Count == 0) throw new ArgumentException("nothing to pick from", nameof(weighted));
        _items = list.Select(w => w.Item).ToArray();
        _cumulative = new double[list.Count];
        double sum = 0;
        for (var i = 0; i < list.Count; i++) _cumulative[i] = sum += list[i].Weight;
    }

    public T Pick(Random random)
    {
        var x = random.NextDouble() * _cumulative[^1];
        var i = Array.BinarySearch(_cumulative, x);
        if (i < 0) i = ~i;
        return _items[Math.Min(i, _items.Length - 1)];
    }
}

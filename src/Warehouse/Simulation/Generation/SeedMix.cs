namespace Warehouse.Simulation.Generation;

/// <summary>
/// Independent, reproducible random streams from one seed: one per person, one for the catalogue, one for the
/// faults. So adding people or changing a fault rate does not change what everybody else does.
/// </summary>
internal static class SeedMix
{
    public const int CatalogueStream = 1;
    public const int PersonStream = 2;
    public const int FaultStream = 3;

    /// <summary>SplitMix64 finaliser over (seed, stream, index): a well-spread, platform-independent int.</summary>
    public static int Derive(int seed, int stream, int index)
    {
        unchecked
        {
            var z = ((ulong)(uint)seed << 32) ^ ((ulong)(uint)stream << 24) ^ (ulong)(uint)index;
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z & 0x7FFFFFFF);
        }
    }
}

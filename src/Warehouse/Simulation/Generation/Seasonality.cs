namespace Warehouse.Simulation.Generation;

/// <summary>When people shop: more at weekends and in the evening, hardly at night.</summary>
internal static class Seasonality
{
    // Monday .. Sunday (DayOfWeek order is Sunday first; see DayFactor).
    private static readonly double[] MondayFirst = [0.92, 0.95, 1.0, 1.0, 1.08, 1.32, 1.25];

    // Sessions start between 06:00 and 22:59 UTC (so a session never crosses midnight UTC or overlaps the
    // next day's); the weights peak in the evening.
    private static readonly WeightedPicker<int> Hours = new(Enumerable.Range(6, 17).Select(h => (h, h switch
    {
        < 9 => 0.5,
        < 12 => 1.0,
        < 14 => 1.3,
        < 18 => 1.0,
        < 22 => 1.7,
        _ => 0.8,
    })));

    public static double DayFactor(DateOnly day) => MondayFirst[((int)day.DayOfWeek + 6) % 7];

    public static WeightedPicker<int> ArrivalDays(SimulationOptions options) =>
        new(Enumerable.Range(0, options.Days).Select(d => (d, DayFactor(options.Start.AddDays(d)))));

    /// <summary>A session start on <paramref name="day"/>: whole seconds, 06:00–22:59 UTC.</summary>
    public static DateTimeOffset SessionStart(Random random, SimulationOptions options, int day) =>
        options.StartInstant.AddDays(day)
            .AddHours(Hours.Pick(random))
            .AddMinutes(random.Next(0, 60))
            .AddSeconds(random.Next(0, 60));
}

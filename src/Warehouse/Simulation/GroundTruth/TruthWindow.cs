namespace Warehouse.Simulation.GroundTruth;

/// <summary>The reporting window and time zone the KPIs are computed for (days in that zone, inclusive).</summary>
internal sealed record TruthWindow(DateOnly From, DateOnly To, string TimeZone)
{
    public TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    public DateOnly LocalDay(DateTimeOffset t) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t, Zone).DateTime);

    public bool Contains(DateOnly day) => day >= From && day <= To;

    /// <summary>Monday of the ISO week the day is in.</summary>
    public static DateOnly WeekOf(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
}

using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.GroundTruth;

internal sealed partial class GroundTruthCalculator
{
    private KpiTable Acquisition()
    {
        var table = new KpiTable(KpiNames.Acquisition, ["day", "source", "medium", "campaign"], ["new_users"]);
        foreach (var u in _users.Values.Where(u => _window.Contains(u.FirstDay)))
        {
            var c = u.First!.Campaign;
            table.Add([KpiTable.Day(u.FirstDay),
                c?.NormalisedSource ?? KpiNames.DirectSource,
                c?.NormalisedMedium ?? KpiNames.DirectMedium,
                c?.NormalisedName ?? KpiNames.DirectCampaign], "new_users", 1);
        }
        return table;
    }

    private KpiTable Conversion()
    {
        var table = new KpiTable(KpiNames.Conversion, ["day"], ["visitors", "product_viewers", "adders", "purchasers", "orders", "revenue"]);
        for (var day = _window.From; day <= _window.To; day = day.AddDays(1))
            foreach (var m in table.Measures) table.Set([KpiTable.Day(day)], m, 0);
        foreach (var u in _users.Values)
        {
            foreach (var day in u.ActiveDays.Where(_window.Contains)) table.Add([KpiTable.Day(day)], "visitors", 1);
            foreach (var day in u.Views.Select(v => v.Day).Distinct().Where(_window.Contains)) table.Add([KpiTable.Day(day)], "product_viewers", 1);
            foreach (var day in u.Adds.Select(v => v.Day).Distinct().Where(_window.Contains)) table.Add([KpiTable.Day(day)], "adders", 1);
            foreach (var day in u.Orders.Select(v => v.Day).Distinct().Where(_window.Contains)) table.Add([KpiTable.Day(day)], "purchasers", 1);
            foreach (var (_, day, order) in u.Orders.Where(o => _window.Contains(o.Day)))
            {
                table.Add([KpiTable.Day(day)], "orders", 1);
                table.Add([KpiTable.Day(day)], "revenue", order.Revenue);
            }
        }
        return table;
    }

    /// <summary>
    /// Product viewed → added → purchased, sequential, any attempt, each later step within 7 days of a step-1
    /// event (inclusive); step-1 events in the window, later steps may fall after it.
    /// </summary>
    private KpiTable Funnel()
    {
        var table = new KpiTable(KpiNames.Funnel, ["step"], ["users"]);
        var reached = new long[4];
        foreach (var u in _users.Values)
        {
            var best = 0;
            foreach (var (t1, day) in u.Views)
            {
                if (!_window.Contains(day)) continue;
                best = Math.Max(best, 1);
                var deadline = t1 + KpiNames.FunnelWindow;
                var t2 = u.Adds.Select(a => a.Time).Where(t => t >= t1 && t <= deadline).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
                if (t2 == DateTimeOffset.MaxValue) continue;
                best = Math.Max(best, 2);
                if (u.Orders.Any(o => o.Time >= t2 && o.Time <= deadline)) { best = 3; break; }
            }
            for (var s = 1; s <= best; s++) reached[s]++;
        }
        for (var s = 1; s <= 3; s++) table.Set([KpiTable.Number(s)], "users", reached[s]);
        return table;
    }

    /// <summary>Weekly first-seen cohorts (ISO weeks in the zone): size, active in week k ("on"), active in k or later.</summary>
    private KpiTable Retention()
    {
        var table = new KpiTable(KpiNames.Retention, ["cohort_week", "week_offset"], ["cohort_size", "active_users", "active_or_later"]);
        var lastWeek = TruthWindow.WeekOf(_window.To);
        foreach (var u in _users.Values.Where(u => _window.Contains(u.FirstDay)))
        {
            var cohort = TruthWindow.WeekOf(u.FirstDay);
            var weeks = (lastWeek.DayNumber - cohort.DayNumber) / 7;
            var activeOffsets = u.ActiveDays.Where(d => d <= _window.To)
                .Select(d => (TruthWindow.WeekOf(d).DayNumber - cohort.DayNumber) / 7).ToHashSet();
            var lastActive = activeOffsets.Max();
            for (var k = 0; k <= weeks; k++)
            {
                string[] key = [KpiTable.Day(cohort), KpiTable.Number(k)];
                table.Add(key, "cohort_size", 1);
                table.Add(key, "active_users", activeOffsets.Contains(k) ? 1 : 0);
                table.Add(key, "active_or_later", lastActive >= k ? 1 : 0);
            }
        }
        return table;
    }

    /// <summary>DAU, WAU (trailing 7 days) and MAU (trailing 30 days) per day of the window.</summary>
    private KpiTable ActiveUsers()
    {
        var table = new KpiTable(KpiNames.ActiveUsers, ["day"], ["dau", "wau", "mau"]);
        for (var day = _window.From; day <= _window.To; day = day.AddDays(1))
            foreach (var m in table.Measures) table.Set([KpiTable.Day(day)], m, 0);
        foreach (var u in _users.Values)
        {
            for (var day = _window.From; day <= _window.To; day = day.AddDays(1))
            {
                var dau = u.ActiveDays.Contains(day);
                var wau = dau || u.ActiveDays.GetViewBetween(day.AddDays(-6), day).Count > 0;
                var mau = wau || u.ActiveDays.GetViewBetween(day.AddDays(-29), day).Count > 0;
                if (dau) table.Add([KpiTable.Day(day)], "dau", 1);
                if (wau) table.Add([KpiTable.Day(day)], "wau", 1);
                if (mau) table.Add([KpiTable.Day(day)], "mau", 1);
            }
        }
        return table;
    }

    private KpiTable OrderValue()
    {
        var table = new KpiTable(KpiNames.OrderValue, [], ["orders", "revenue"]);
        table.Set([], "orders", 0);
        table.Set([], "revenue", 0);
        foreach (var (_, _, order) in _users.Values.SelectMany(u => u.Orders).Where(o => _window.Contains(o.Day)))
        {
            table.Add([], "orders", 1);
            table.Add([], "revenue", order.Revenue);
        }
        return table;
    }
}

using System.Globalization;
using CsvHelper;

namespace Warehouse.Kpis;

/// <summary>A KPI result as CSV (RFC 4180, header row, invariant culture, ISO dates), for the API and the CLI.</summary>
public static class KpiCsv
{
    public static string Format(KpiResult result)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, CultureInfo.InvariantCulture))
        {
            foreach (var column in result.Columns) csv.WriteField(column);
            csv.NextRecord();
            foreach (var row in result.Rows)
            {
                foreach (var value in row) csv.WriteField(FormatValue(value));
                csv.NextRecord();
            }
        }
        return text.ToString();
    }

    public static string FormatValue(object? value) => value switch
    {
        null => "",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        double x => x.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

using Spectre.Console;

namespace Warehouse.Host.Cli;

/// <summary>A table on a terminal; tab-separated lines (header first) when output goes to a pipe or a file, so nothing is cut.</summary>
internal static class CliTable
{
    public static void Write(string[] columns, IEnumerable<string[]> rows)
    {
        if (Console.IsOutputRedirected)
        {
            Console.WriteLine(string.Join('\t', columns));
            foreach (var row in rows) Console.WriteLine(string.Join('\t', row.Select(c => c.ReplaceLineEndings(" ").Replace('\t', ' '))));
            return;
        }
        var table = new Table().AddColumns(columns);
        foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
    }
}

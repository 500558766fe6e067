using System.CommandLine;
using Warehouse.Host.Cli;

namespace Warehouse.Tests;

public sealed class CliHelpTests
{
    private static string Help(params string[] args)
    {
        var output = new StringWriter();
        WarehouseCli.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output });
        return output.ToString();
    }

    [Fact]
    public void warehouse_help_lists_every_verb()
    {
        var help = Help("--help");
        foreach (var verb in new[] { "serve", "migrate", "db" }) Assert.Contains(verb, help);
    }

    [Fact]
    public void every_database_verb_describes_db_and_data_dir()
    {
        foreach (var verb in new[] { new[] { "serve" }, ["migrate"], ["db", "url"], ["db", "psql"] })
        {
            var help = Help([.. verb, "--help"]);
            Assert.Contains("--db", help);
            Assert.Contains("--data-dir", help);
        }
    }
}

using System.CommandLine;
using Warehouse.Host.Cli;

namespace Warehouse.Tests.Simulation;

public sealed class SimulateCliTests
{
    private static string Help(params string[] args)
    {
        var output = new StringWriter();
        WarehouseCli.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output });
        return output.ToString();
    }

    [Fact]
    public void simulate_and_demo_describe_their_options()
    {
        var simulate = Help("simulate", "--help");
        foreach (var option in new[] { "--users", "--days", "--start", "--seed", "--url", "--write-key", "--rate", "--out", "--verify", "--token", "--duplicate-rate", "--late-rate", "--clock-skew-rate", "--double-order-rate" })
            Assert.Contains(option, simulate);
        var demo = Help("demo", "--help");
        foreach (var option in new[] { "--urls", "--users", "--days", "--exit", "--db" })
            Assert.Contains(option, demo);
    }

    [Fact]
    public async Task simulate_out_writes_the_traffic_and_the_catalogue_without_a_warehouse()
    {
        var dir = Directory.CreateTempSubdirectory("wh-sim-cli-").FullName;
        try
        {
            var path = Path.Combine(dir, "events.jsonl");
            var exit = await WarehouseCli.RunAsync(["simulate", "--users", "10", "--days", "3", "--start", "2026-01-05", "--out", path]);

            Assert.Equal(0, exit);
            Assert.True(File.ReadLines(path).Count() > 20);
            Assert.StartsWith("{\"products\":[", await File.ReadAllTextAsync(Path.Combine(dir, "events.products.json")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task sending_without_a_write_key_is_a_usage_error_that_says_how_to_get_one()
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(2, await WarehouseCli.RunAsync(["simulate", "--users", "5", "--days", "2"]));
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Contains("warehouse sources add", error.ToString());
    }
}

using YamlDotNet.RepresentationModel;

namespace Warehouse.Tests.Deployment;

/// <summary>No Docker engine runs here, so the compose file is checked by reading it.</summary>
public sealed class ComposeFileTests
{
    private static YamlMappingNode Services()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "docker-compose.yml"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(dir.FullName, "docker-compose.yml"));
        yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return (YamlMappingNode)root["services"];
    }

    private static Dictionary<string, string> Environment(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value.ToString());

    [Fact]
    public void compose_runs_postgres_metabase_and_warehouse_with_health_checks()
    {
        var services = Services();
        foreach (var name in new[] { "postgres", "metabase", "warehouse" })
        {
            var service = (YamlMappingNode)services[name];
            Assert.True(service.Children.ContainsKey("healthcheck"), $"{name} has no healthcheck");
        }
        Assert.StartsWith("postgres:1", services["postgres"]["image"].ToString());
        Assert.StartsWith("metabase/metabase", services["metabase"]["image"].ToString());
        Assert.True(((YamlMappingNode)services["warehouse"]).Children.ContainsKey("build"));
    }

    [Fact]
    public void the_warehouse_service_sets_the_variables_the_app_reads()
    {
        var env = Environment((YamlMappingNode)Services()["warehouse"]);
        Assert.Contains("Host=postgres", env["WAREHOUSE__Database__ConnectionString"]);
        Assert.True(env.ContainsKey("WAREHOUSE__Database__ReadOnlyPassword"));
        // The keys must bind to real options: Database:ConnectionString and Database:ReadOnlyPassword.
        Assert.NotNull(typeof(Warehouse.Database.DatabaseOptions).GetProperty("ConnectionString"));
        Assert.NotNull(typeof(Warehouse.Database.DatabaseOptions).GetProperty("ReadOnlyPassword"));
    }
}

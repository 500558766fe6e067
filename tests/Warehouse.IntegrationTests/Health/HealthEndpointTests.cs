using System.Net;
using System.Text.Json;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Health;

public sealed class HealthEndpointTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task health_is_200_with_a_json_body_when_the_database_answers_and_migrations_are_current()
    {
        await using var server = await TestServer.StartAsync(db.ConnectionString);
        using var response = await server.Client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("ok", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task health_is_503_and_says_to_migrate_when_migrations_are_pending()
    {
        var name = TestPostgres.NewDatabaseName("wh");
        var empty = await TestPostgres.CreateEmptyDatabaseAsync(name);
        try
        {
            await using var server = await TestServer.StartAsync(empty);
            using var response = await server.Client.GetAsync("/health");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains("warehouse migrate", text);
            Assert.Contains("\"unhealthy\"", text);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(name);
        }
    }

    [Fact]
    public async Task health_is_503_and_says_the_database_does_not_answer_when_it_is_down()
    {
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now

        await using var server = await TestServer.StartAsync($"Host=127.0.0.1;Port={port};Username=x;Password=y;Database=z;Timeout=2");
        using var response = await server.Client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unreachable", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }
}

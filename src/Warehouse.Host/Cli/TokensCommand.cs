using System.CommandLine;
using Warehouse.Kpis;

namespace Warehouse.Host.Cli;

/// <summary>`warehouse tokens add &lt;name&gt; --scope kpi:read`: issues an API bearer token, printed once on the last line.</summary>
public static class TokensCommand
{
    public static Command Build()
    {
        var tokens = new Command("tokens", "Manage API bearer tokens (stored hashed; shown once).");
        var name = new Argument<string>("name") { Description = "Who or what uses the token (a dashboard, a script)." };
        var scope = new Option<string[]>("--scope")
        {
            Description = $"What the token may do; repeat for several. Known: {string.Join(", ", TokenStore.KnownScopes)}.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var add = new Command("add", "Create a token and print it (the last line of stdout); only its hash is stored.") { name, scope };
        add.WithDatabaseOptions();
        add.SetAction(async (parse, ct) =>
        {
            await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
            await using var dataSource = database.CreateDataSource("warehouse-tokens");
            string token;
            try
            {
                token = await TokenStore.CreateAsync(dataSource, parse.GetValue(name)!, parse.GetValue(scope) ?? [], ct);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(e.Message.Split(" (Parameter", 2)[0]);
            }
            await Console.Error.WriteLineAsync("Token created. It is shown once; store it now. Use it as: Authorization: Bearer <token>");
            Console.WriteLine(token);
            return 0;
        });
        tokens.Subcommands.Add(add);
        return tokens;
    }
}

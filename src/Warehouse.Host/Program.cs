using Warehouse.Host.Cli;

// The one executable. Every verb (serve, migrate, db, ...) is a System.CommandLine command; see Cli/.
return await WarehouseCli.RunAsync(args);

/// <summary>Public so tests can reach the host's types.</summary>
public partial class Program;

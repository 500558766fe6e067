using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Warehouse.Health;

namespace Warehouse.EventStore;

public static class EventStoreServices
{
    /// <summary>The event store as a singleton (it owns the group-commit writer), configured from section "EventStore".</summary>
    public static IServiceCollection AddEventStore(this IServiceCollection services, IConfiguration configuration)
    {
        var options = Read(configuration.GetSection(EventStoreOptions.Section));
        services.AddSingleton(options);
        services.AddSingleton(sp => new PostgresEventStore(
            sp.GetRequiredService<NpgsqlDataSource>(), options, sp.GetRequiredService<ILogger<PostgresEventStore>>()));
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<PostgresEventStore>());
        services.AddSingleton<IHealthContributor, EventStoreHealth>();
        return services;
    }

    // Read by hand: the core library does not carry the configuration binder package for three numbers.
    internal static EventStoreOptions Read(IConfiguration section)
    {
        var options = new EventStoreOptions();
        if (section[nameof(EventStoreOptions.MaxQueuedEvents)] is { } max) options.MaxQueuedEvents = Positive(max, nameof(EventStoreOptions.MaxQueuedEvents));
        if (section[nameof(EventStoreOptions.MaxEventsPerTransaction)] is { } tx) options.MaxEventsPerTransaction = Positive(tx, nameof(EventStoreOptions.MaxEventsPerTransaction));
        if (section[nameof(EventStoreOptions.WriterLanes)] is { } lanes) options.WriterLanes = Positive(lanes, nameof(EventStoreOptions.WriterLanes));
        if (section[nameof(EventStoreOptions.PollInterval)] is { } poll)
        {
            options.PollInterval = TimeSpan.TryParse(poll, CultureInfo.InvariantCulture, out var t) && t > TimeSpan.Zero
                ? t : throw new InvalidOperationException($"{EventStoreOptions.Section}:PollInterval must be a positive time span like 00:00:00.200, not '{poll}'");
        }
        return options;
    }

    private static int Positive(string value, string name) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : throw new InvalidOperationException($"{EventStoreOptions.Section}:{name} must be a positive whole number, not '{value}'");
}

using Bogus;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Generation;

/// <summary>Browsers and phones with realistic user agents, places, locales and time zones (Bogus).</summary>
internal static class DeviceFactory
{
    private static readonly (string Country, string Locale, string Timezone)[] Places =
    [
        ("US", "en-US", "America/New_York"), ("US", "en-US", "America/Chicago"), ("US", "en-US", "America/Los_Angeles"),
        ("GB", "en-GB", "Europe/London"), ("DE", "de-DE", "Europe/Berlin"), ("FR", "fr-FR", "Europe/Paris"),
        ("NL", "nl-NL", "Europe/Amsterdam"), ("ES", "es-ES", "Europe/Madrid"), ("CA", "en-CA", "America/Toronto"),
        ("AU", "en-AU", "Australia/Sydney"),
    ];

    public static SimDevice Create(Faker faker, int ordinal, string kind, (string Country, string Locale, string Timezone)? place = null)
    {
        var (country, locale, timezone) = place ?? faker.PickRandom(Places);
        var os = kind switch
        {
            "mobile" => faker.PickRandom("iOS", "Android"),
            "tablet" => faker.PickRandom("iPadOS", "Android"),
            _ => faker.PickRandom("Windows", "macOS", "Linux"),
        };
        return new SimDevice(
            Ordinal: ordinal,
            AnonymousId: faker.Random.Uuid().ToString(),
            Kind: kind,
            UserAgent: faker.Internet.UserAgent(),
            OsName: os,
            Locale: locale,
            Timezone: timezone,
            Ip: faker.Internet.Ip(),
            Country: country,
            City: faker.Address.City());
    }

    public static (string Country, string Locale, string Timezone) PlaceOf(SimDevice d) => (d.Country, d.Locale, d.Timezone);
}

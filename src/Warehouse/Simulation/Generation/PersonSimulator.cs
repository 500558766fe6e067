using Bogus;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Generation;

/// <summary>
/// One person's life in the shop: arrival through a channel, sessions of page views and product views, carts,
/// checkouts and orders, return visits whose likelihood decays with time, a sign-up or login (identify) at
/// some point, perhaps a second device. Each person draws from their own seeded streams.
/// </summary>
internal sealed partial class PersonSimulator(SimulationOptions options, WeightedPicker<SimProduct> products, EventSink sink)
{
    private readonly WeightedPicker<int> _arrivalDays = Seasonality.ArrivalDays(options);

    // One Faker, re-seeded per person: building a Faker loads its locale data sets, far too slow per person.
    private readonly Faker _faker = new("en");

    // Behaviour parameters (per session or per person); tuned for believable e-commerce rates.
    private const double SecondDeviceRate = 0.15;
    private const double SecondDeviceUse = 0.4;
    private const double RegistersRate = 0.35;
    private const double ReturnBase = 0.22;
    private const double RetentionDecayDays = 14;
    private const double AddToCartRate = 0.14;
    private const double CheckoutRate = 0.5;
    private const double OrderRate = 0.72;
    private const double GuestCheckoutLoginRate = 0.6;
    private const double RefundRate = 0.03;
    private const double CouponRate = 0.15;

    public void Simulate(int personIndex)
    {
        var random = new Random(SeedMix.Derive(options.Seed, SeedMix.PersonStream, personIndex * 2));
        var faker = _faker;
        faker.Random = new Randomizer(SeedMix.Derive(options.Seed, SeedMix.PersonStream, (personIndex * 2) + 1));
        var person = new PersonState(random, faker);

        var arrivalDay = _arrivalDays.Pick(random);
        var acquisition = Channels.Pick(random);
        person.Devices.Add(sink.NewDevice(faker, random.NextDouble() < 0.55 ? "mobile" : "desktop"));
        if (random.NextDouble() < SecondDeviceRate)
            person.Devices.Add(sink.NewDevice(faker, person.Devices[0].Kind == "mobile" ? "desktop" : "mobile",
                DeviceFactory.PlaceOf(person.Devices[0])));

        var userId = $"u{options.Seed}-{faker.Random.AlphaNumeric(12)}";
        person.Account = new SimPerson(userId, faker.Name.FirstName(), faker.Name.LastName(),
            "", DateTimeOffset.MinValue, faker.PickRandom("free", "plus", "pro"));
        person.Account = person.Account with { Email = faker.Internet.Email(person.Account.FirstName, person.Account.LastName) };
        var registers = random.NextDouble() < RegistersRate;
        person.RegisterInSession = registers ? (random.NextDouble() < 0.5 ? 0 : random.Next(1, 4)) : -1;

        // Return visits: at most one session a day, less likely as time passes, more at weekends.
        var loyalty = 0.2 + (random.NextDouble() * 1.6);
        var days = new List<int> { arrivalDay };
        for (var d = arrivalDay + 1; d < options.Days; d++)
        {
            var p = ReturnBase * loyalty * Math.Exp(-(d - arrivalDay) / RetentionDecayDays) * Seasonality.DayFactor(options.Start.AddDays(d));
            if (random.NextDouble() < p) days.Add(d);
        }

        for (var s = 0; s < days.Count; s++)
        {
            var device = s == 0 || person.Devices.Count == 1 || random.NextDouble() >= SecondDeviceUse ? person.Devices[0] : person.Devices[1];
            var channel = s == 0 ? acquisition : random.NextDouble() < 0.55 ? Channels.Direct : Channels.Pick(random);
            RunSession(person, s, device, channel.Draw(random), Seasonality.SessionStart(random, options, days[s]));
        }
    }

    /// <summary>What one person carries between sessions.</summary>
    private sealed class PersonState(Random random, Faker faker)
    {
        public Random Random { get; } = random;
        public Faker Faker { get; } = faker;
        public List<SimDevice> Devices { get; } = [];
        public SimPerson Account { get; set; } = null!;
        public bool Registered { get; set; }
        public int RegisterInSession { get; set; } = -1;
        /// <summary>Devices on which the person has logged in: their events carry the userId from then on.</summary>
        public HashSet<int> LoggedInDevices { get; } = [];
    }
}

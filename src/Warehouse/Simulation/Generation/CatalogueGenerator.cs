using Bogus;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Generation;

/// <summary>
/// A product catalogue with skewed popularity: Zipf weights (s = 1.1) over a shuffled order, so a few products
/// get most of the views, as in real shops. Prices are log-uniform between 5 and 400, ending in .99.
/// </summary>
internal static class CatalogueGenerator
{
    private const double ZipfExponent = 1.1;

    public static IReadOnlyList<SimProduct> Generate(SimulationOptions options)
    {
        var random = new Random(SeedMix.Derive(options.Seed, SeedMix.CatalogueStream, 0));
        var faker = new Faker("en") { Random = new Randomizer(SeedMix.Derive(options.Seed, SeedMix.CatalogueStream, 1)) };
        var ranks = Enumerable.Range(1, options.Products).OrderBy(_ => random.Next()).ToArray();
        var categories = new[] { "Electronics", "Home", "Garden", "Outdoors", "Toys", "Books", "Clothing", "Beauty", "Sports", "Kitchen" };
        var brands = Enumerable.Range(0, Math.Max(3, options.Products / 8)).Select(_ => faker.Company.CompanyName(0)).ToArray();
        var products = new List<SimProduct>(options.Products);
        for (var i = 0; i < options.Products; i++)
        {
            var price = Math.Floor((decimal)Math.Exp(Math.Log(5) + (random.NextDouble() * (Math.Log(400) - Math.Log(5))))) + 0.99m;
            products.Add(new SimProduct(
                ProductId: $"p{options.Seed}-{i + 1:D4}",
                Sku: $"SKU-{faker.Random.AlphaNumeric(8).ToUpperInvariant()}",
                Name: faker.Commerce.ProductName(),
                Category: categories[random.Next(categories.Length)],
                Brand: brands[random.Next(brands.Length)],
                Price: price,
                Currency: options.Currency,
                Color: faker.Commerce.Color(),
                Material: faker.Commerce.ProductMaterial(),
                Popularity: 1.0 / Math.Pow(ranks[i], ZipfExponent)));
        }
        return products;
    }

    public static WeightedPicker<SimProduct> Popularity(IReadOnlyList<SimProduct> catalogue) =>
        new(catalogue.Select(p => (p, p.Popularity)));
}

namespace Warehouse.Simulation.Model;

/// <summary>A catalogue product, as posted to /v1/products and referenced by product events.</summary>
internal sealed record SimProduct(
    string ProductId, string Sku, string Name, string Category, string Brand, decimal Price, string Currency,
    string Color, string Material, double Popularity);

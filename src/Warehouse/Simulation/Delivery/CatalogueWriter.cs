using System.Text.Json;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Delivery;

/// <summary>The body of POST /v1/products: {"products": [{productId, sku, name, category, brand, price, currency, attributes}]}.</summary>
internal static class CatalogueWriter
{
    public static void Write(Utf8JsonWriter w, IEnumerable<SimProduct> products)
    {
        w.WriteStartObject();
        w.WriteStartArray("products");
        foreach (var p in products)
        {
            w.WriteStartObject();
            w.WriteString("productId", p.ProductId);
            w.WriteString("sku", p.Sku);
            w.WriteString("name", p.Name);
            w.WriteString("category", p.Category);
            w.WriteString("brand", p.Brand);
            w.WriteNumber("price", p.Price);
            w.WriteString("currency", p.Currency);
            w.WriteStartObject("attributes");
            w.WriteString("color", p.Color);
            w.WriteString("material", p.Material);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}

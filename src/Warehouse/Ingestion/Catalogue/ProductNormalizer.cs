using System.Globalization;
using Warehouse.Ingestion.Json;

namespace Warehouse.Ingestion.Catalogue;

/// <summary>A valid catalogue entry: its product id, its event payload and the client's message id, if any.</summary>
public sealed record NormalizedProduct(string ProductId, JsonObject Data, string? ClientMessageId);

/// <summary>
/// One entry of `POST /v1/products` → the `product_upserted` payload of docs/event-format.md: only the documented
/// fields, ids as strings, the price as an exact JSON number. Fields not given stay absent ("not given").
/// </summary>
public static class ProductNormalizer
{
    private static readonly string[] TextFields = ["sku", "name", "category", "brand", "currency"];

    public static NormalizedProduct? Normalize(RawMessage message, out string? reason)
    {
        reason = message.Problem;
        if (message.Tree is not JsonObject obj) { reason = "the product is not a JSON object"; return null; }
        if (reason is not null) return null;
        if (message.Raw.Length > IngestionLimits.MaxMessageBytes)
        {
            reason = $"the product is {message.Raw.Length} bytes; the limit is {IngestionLimits.MaxMessageBytes} bytes (32 KB) per product";
            return null;
        }

        var productId = obj["productId"]?.ScalarText?.Trim();
        if (string.IsNullOrEmpty(productId)) { reason = "productId is required (a string or a number)"; return null; }
        if (productId.Length > IngestionLimits.MaxIdLength) { reason = $"productId is longer than {IngestionLimits.MaxIdLength} characters"; return null; }

        var data = new JsonObject { ["productId"] = new JsonText(productId) };
        foreach (var field in TextFields)
        {
            var value = obj[field];
            if (value is null || value.IsNull) continue;
            if (value.ScalarText is not { } text) { reason = $"{field} must be a string"; return null; }
            data[field] = new JsonText(text);
        }

        switch (obj["price"])
        {
            case null or JsonLiteral { IsNull: true }:
                break;
            case JsonNumber number:
                data["price"] = number;
                break;
            case JsonText text when decimal.TryParse(text.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed):
                data["price"] = new JsonNumber(parsed.ToString(CultureInfo.InvariantCulture));
                break;
            default:
                reason = "price must be a number";
                return null;
        }
        data["currency"] = data["currency"] is JsonText c ? new JsonText(c.Value.Trim().ToUpperInvariant()) : null;

        switch (obj["attributes"])
        {
            case null or JsonLiteral { IsNull: true }:
                break;
            case JsonObject attributes:
                data["attributes"] = attributes;
                break;
            default:
                reason = "attributes must be a JSON object";
                return null;
        }

        var clientId = obj["messageId"]?.ScalarText?.Trim();
        return new NormalizedProduct(productId, data, string.IsNullOrEmpty(clientId) ? null : clientId);
    }
}

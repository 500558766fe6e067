using System.Globalization;
using System.Text.Json;
using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Delivery;

/// <summary>
/// Writes a delivery as the Segment-spec message a browser tracker (analytics.js) or a shop backend sends:
/// page, track (e-commerce v2 names and properties) and identify. A device with a wrong clock stamps both
/// timestamp and sentAt with its own clock, so the warehouse can correct the skew (receivedAt − (sentAt − timestamp)).
/// </summary>
internal static class SegmentMessageWriter
{
    /// <param name="sendClock">The sender's clock when it posts the message (real time over HTTP); null = the
    /// simulated send time, for files.</param>
    public static void Write(Utf8JsonWriter w, SimDelivery d, DateTimeOffset? sendClock = null)
    {
        var e = d.Event;
        w.WriteStartObject();
        w.WriteString("type", e.Kind switch { SimEventKind.Page => "page", SimEventKind.Identify => "identify", _ => "track" });
        w.WriteString("messageId", d.MessageId);
        if (e.AnonymousId is not null) w.WriteString("anonymousId", e.AnonymousId);
        if (e.UserId is not null) w.WriteString("userId", e.UserId);
        switch (e.Kind)
        {
            case SimEventKind.Page:
                w.WriteString("name", e.Page!.Title);
                w.WriteStartObject("properties");
                WritePage(w, e.Page);
                w.WriteEndObject();
                break;
            case SimEventKind.Identify:
                WriteTraits(w, e.Traits!);
                break;
            default:
                w.WriteString("event", EventName(e.Kind));
                w.WriteStartObject("properties");
                WriteTrackProperties(w, e);
                w.WriteEndObject();
                break;
        }
        w.WriteString("timestamp", Iso(e.Time + d.ClockSkew));
        if (d.IsSkewed) w.WriteString("sentAt", Iso((sendClock ?? d.SentAt) + d.ClockSkew));
        WriteContext(w, e);
        w.WriteEndObject();
    }

    public static string EventName(SimEventKind kind) => kind switch
    {
        SimEventKind.ProductViewed => "Product Viewed",
        SimEventKind.ProductAdded => "Product Added",
        SimEventKind.ProductRemoved => "Product Removed",
        SimEventKind.CheckoutStarted => "Checkout Started",
        SimEventKind.OrderCompleted => "Order Completed",
        SimEventKind.OrderRefunded => "Order Refunded",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a track event"),
    };

    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteTrackProperties(Utf8JsonWriter w, SimEvent e)
    {
        switch (e.Kind)
        {
            case SimEventKind.ProductViewed or SimEventKind.ProductAdded or SimEventKind.ProductRemoved:
                WriteProductFields(w, e.Product!, e.Kind == SimEventKind.ProductViewed ? null : e.Quantity);
                if (e.CartId is not null) w.WriteString("cart_id", e.CartId);
                if (e.Kind == SimEventKind.ProductViewed) w.WriteNumber("value", e.Product!.Price);
                break;
            case SimEventKind.CheckoutStarted:
                w.WriteString("checkout_id", e.Order!.CheckoutId);
                w.WriteNumber("value", e.Order.Subtotal);
                w.WriteString("currency", e.Order.Currency);
                WriteLines(w, e.Order);
                break;
            case SimEventKind.OrderCompleted:
                var o = e.Order!;
                w.WriteString("order_id", o.OrderId);
                w.WriteString("checkout_id", o.CheckoutId);
                w.WriteString("affiliation", "Web shop");
                w.WriteNumber("subtotal", o.Subtotal);
                w.WriteNumber("discount", o.Discount);
                if (o.Coupon is not null) w.WriteString("coupon", o.Coupon);
                w.WriteNumber("revenue", o.Revenue);
                w.WriteNumber("shipping", o.Shipping);
                w.WriteNumber("tax", o.Tax);
                w.WriteNumber("total", o.Total);
                w.WriteString("currency", o.Currency);
                WriteLines(w, o);
                break;
            case SimEventKind.OrderRefunded:
                w.WriteString("order_id", e.Order!.OrderId);
                w.WriteNumber("revenue", e.Order.Revenue);
                w.WriteNumber("total", e.Order.Revenue);
                w.WriteString("currency", e.Order.Currency);
                break;
        }
    }

    private static void WriteLines(Utf8JsonWriter w, SimOrder o)
    {
        w.WriteStartArray("products");
        foreach (var line in o.Lines)
        {
            w.WriteStartObject();
            WriteProductFields(w, line.Product, line.Quantity);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteProductFields(Utf8JsonWriter w, SimProduct p, int? quantity)
    {
        w.WriteString("product_id", p.ProductId);
        w.WriteString("sku", p.Sku);
        w.WriteString("name", p.Name);
        w.WriteString("category", p.Category);
        w.WriteString("brand", p.Brand);
        w.WriteString("variant", p.Color);
        w.WriteNumber("price", p.Price);
        w.WriteString("currency", p.Currency);
        if (quantity is { } q) w.WriteNumber("quantity", q);
        w.WriteString("url", Generation.Pages.Host + "/products/" + p.ProductId);
    }

    private static void WriteTraits(Utf8JsonWriter w, SimPerson p)
    {
        w.WriteStartObject("traits");
        w.WriteString("email", p.Email);
        w.WriteString("firstName", p.FirstName);
        w.WriteString("lastName", p.LastName);
        w.WriteString("name", p.FirstName + " " + p.LastName);
        w.WriteString("plan", p.Plan);
        w.WriteString("createdAt", Iso(p.CreatedAt));
        w.WriteEndObject();
    }

    private static void WritePage(Utf8JsonWriter w, SimPage page)
    {
        w.WriteString("path", page.Path);
        w.WriteString("url", page.Url);
        w.WriteString("title", page.Title);
        w.WriteString("search", page.Search);
        if (page.Referrer is not null) w.WriteString("referrer", page.Referrer);
    }

    private static void WriteContext(Utf8JsonWriter w, SimEvent e)
    {
        w.WriteStartObject("context");
        if (e.AnonymousId is null)
        {
            // Server-side: no browser context.
            w.WriteStartObject("library");
            w.WriteString("name", "analytics-node");
            w.WriteString("version", "2.1.3");
            w.WriteEndObject();
            w.WriteEndObject();
            return;
        }
        var d = e.Device;
        w.WriteStartObject("library");
        w.WriteString("name", "analytics.js");
        w.WriteString("version", "2.11.1");
        w.WriteEndObject();
        w.WriteString("ip", d.Ip);
        w.WriteString("userAgent", d.UserAgent);
        w.WriteString("locale", d.Locale);
        w.WriteString("timezone", d.Timezone);
        w.WriteStartObject("location");
        w.WriteString("country", d.Country);
        w.WriteString("city", d.City);
        w.WriteEndObject();
        w.WriteStartObject("device");
        w.WriteString("type", d.Kind);
        w.WriteEndObject();
        w.WriteStartObject("os");
        w.WriteString("name", d.OsName);
        w.WriteEndObject();
        if (e.Page is not null)
        {
            w.WriteStartObject("page");
            WritePage(w, e.Page);
            w.WriteEndObject();
        }
        if (e.Campaign is { } c)
        {
            w.WriteStartObject("campaign");
            w.WriteString("name", c.Name);
            w.WriteString("source", c.Source);
            w.WriteString("medium", c.Medium);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}

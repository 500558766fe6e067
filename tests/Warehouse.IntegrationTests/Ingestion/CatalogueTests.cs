using System.Net;

namespace Warehouse.IntegrationTests.Ingestion;

public sealed class CatalogueTests(IngestionServerFixture f) : IClassFixture<IngestionServerFixture>
{
    private async Task<System.Text.Json.JsonElement> PostProductsAsync(string key, string products, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await f.PostAsync("/v1/products", key, "{\"products\":[" + products + "]}");
        Assert.True(response.StatusCode == expected, await response.Content.ReadAsStringAsync());
        return await IngestionServerFixture.JsonAsync(response);
    }

    [Fact]
    public async Task each_product_becomes_one_product_upserted_event_on_its_own_stream_with_the_price_kept_exactly()
    {
        var (name, key) = await f.NewSourceAsync();
        var p = Guid.NewGuid().ToString("N")[..8];
        var body = await PostProductsAsync(key, $$$"""
            {"productId":"{{{p}}}-1","sku":"SKU-1","name":"Lampe à poser","category":"Lighting","brand":"Lumo","price":49.990,"currency":"eur","attributes":{"color":"white"}},
            {"productId":{{{(p.GetHashCode() & 0xFFFF)}}}, "name":"Numeric id", "price":"12.50"}
            """);
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());

        var stored = await f.EventsAsync(name);
        Assert.Equal(2, stored.Count);
        Assert.All(stored, s => Assert.Equal("product_upserted", s.Type));
        Assert.Equal($"product:{p}-1", stored[0].StreamId);
        var data = stored[0].Data;
        Assert.Equal("49.990", data.GetProperty("price").GetRawText());
        Assert.Equal("EUR", data.GetProperty("currency").GetString());
        Assert.Equal("Lampe à poser", data.GetProperty("name").GetString());
        Assert.Equal("white", data.GetProperty("attributes").GetProperty("color").GetString());
        Assert.Equal(12.50m, stored[1].Data.GetProperty("price").GetDecimal());
        Assert.False(stored[1].Data.TryGetProperty("sku", out _)); // not given stays absent
    }

    [Fact]
    public async Task reposting_an_identical_catalogue_is_a_duplicate_and_a_changed_product_is_a_new_event_even_when_changed_back()
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString("N");
        var a = $$"""{"productId":"{{id}}","name":"A","price":10}""";
        var b = $$"""{"productId":"{{id}}","name":"B","price":10}""";
        var other = $$"""{"productId":"{{id}}-x","name":"Other"}""";

        Assert.Equal(2, (await PostProductsAsync(key, a + "," + other)).GetProperty("accepted").GetInt32());
        var again = await PostProductsAsync(key, a + "," + other);
        Assert.Equal(0, again.GetProperty("accepted").GetInt32());
        Assert.Equal(2, again.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, (await PostProductsAsync(key, b)).GetProperty("accepted").GetInt32());
        Assert.Equal(1, (await PostProductsAsync(key, a)).GetProperty("accepted").GetInt32()); // A → B → A: back to A is news
        Assert.Equal(1, (await PostProductsAsync(key, a)).GetProperty("duplicates").GetInt32());

        var names = (await f.EventsAsync(name)).Where(e => e.StreamId == $"product:{id}").Select(e => e.Data.GetProperty("name").GetString());
        Assert.Equal(["A", "B", "A"], names);
    }

    [Fact]
    public async Task a_client_message_id_dedupes_a_product_post_by_that_id()
    {
        var (name, key) = await f.NewSourceAsync();
        var id = Guid.NewGuid().ToString("N");
        await PostProductsAsync(key, $$"""{"productId":"{{id}}","name":"A","messageId":"cat-{{id}}"}""");
        var second = await PostProductsAsync(key, $$"""{"productId":"{{id}}","name":"Changed","messageId":"cat-{{id}}"}""");
        Assert.Equal(1, second.GetProperty("duplicates").GetInt32());
        Assert.Equal("A", Assert.Single(await f.EventsAsync(name)).Data.GetProperty("name").GetString());
    }

    [Fact]
    public async Task invalid_products_are_rejected_one_by_one_and_quarantined()
    {
        var (name, key) = await f.NewSourceAsync();
        var body = await PostProductsAsync(key, """{"name":"no id"},{"productId":"ok-1"},{"productId":"p","price":"cheap"},{"productId":"p","attributes":[1]},7""");
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Equal([0, 2, 3, 4], body.GetProperty("rejected").EnumerateArray().Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(4, (await f.QuarantineAsync(name)).Count);

        var none = await PostProductsAsync(key, """{"name":"no id"}""", HttpStatusCode.BadRequest);
        Assert.Equal("no_valid_messages", none.GetProperty("code").GetString());
        using var unauthorized = await f.Server.Client.PostAsync("/v1/products", new StringContent("""{"products":[{"productId":"x"}]}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }
}

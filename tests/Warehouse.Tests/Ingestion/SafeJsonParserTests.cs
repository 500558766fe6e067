using System.Text;
using System.Text.Json;
using Warehouse.Ingestion.Json;

namespace Warehouse.Tests.Ingestion;

public sealed class SafeJsonParserTests
{
    private static string RoundTrip(string json, out string? problem) => SafeJsonParser.Parse(Encoding.UTF8.GetBytes(json), out problem).ToJson();

    [Fact]
    public void numbers_round_trip_as_their_exact_text()
    {
        Assert.Equal("""{"a":12345678901234567890,"b":1.50,"c":-0,"d":1E+2}""", RoundTrip("""{"a":12345678901234567890,"b":1.50,"c":-0,"d":1E+2}""", out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void a_repeated_key_keeps_the_last_value_in_the_first_position()
    {
        Assert.Equal("""{"a":3,"b":2}""", RoundTrip("""{"a":1,"b":2,"a":3}""", out _));
    }

    [Fact]
    public void nul_is_removed_and_unpaired_surrogates_become_replacement_characters()
    {
        using var doc = JsonDocument.Parse(RoundTrip("""{"a\u0000b":"x\ud800y\udc00\ud83d\ude00"}""", out _));
        Assert.Equal("x\uFFFDy\uFFFD😀", doc.RootElement.GetProperty("ab").GetString());
    }

    [Fact]
    public void non_ascii_is_written_verbatim_not_escaped()
    {
        Assert.Equal("""{"k":"漢字 é ☕"}""", RoundTrip("""{"k":"漢字 é \u2615"}""", out _));
    }

    [Fact]
    public void strings_kept_as_request_bytes_are_written_back_as_their_decoded_form_would_be()
    {
        // Unescaped strings stay UTF-8 inside the tree; escaped ones are decoded. Both must write the same JSON,
        // and read the same through Value.
        const string raw = """{"plain":"漢字 é ☕ 🚀 </script> 'q'","escaped":"漢字 é \u2615 \ud83d\ude80 <\/script> 'q'","tab":"a\tb\"c\\d","nc":"￿﻿"}""";
        var tree = (JsonObject)SafeJsonParser.Parse(Encoding.UTF8.GetBytes(raw), out var problem);
        Assert.Null(problem);
        Assert.Equal(((JsonText)tree["plain"]!).Value, ((JsonText)tree["escaped"]!).Value);
        Assert.Equal("a\tb\"c\\d", ((JsonText)tree["tab"]!).Value);
        var viaStrings = new JsonObject();
        foreach (var (key, value) in tree.Properties) viaStrings[key] = new JsonText(((JsonText)value).Value);
        Assert.Equal(viaStrings.ToJson(), tree.ToJson());
        Assert.Equal(Encoding.UTF8.GetString(viaStrings.ToJsonUtf8()), Encoding.UTF8.GetString(tree.ToJsonUtf8()));
    }

    [Theory]
    [InlineData("1e1001")]
    [InlineData("1e-1001")]
    [InlineData("1e99999999999999999999")]
    public void a_number_postgresql_numeric_cannot_hold_is_reported_as_a_problem(string number)
    {
        RoundTrip("{\"n\":" + number + "}", out var problem);
        Assert.Contains("outside what the database can store", problem);
    }

    [Fact]
    public void depth_up_to_256_is_fine_and_deeper_is_a_problem_not_an_exception()
    {
        RoundTrip(new string('[', 256) + new string(']', 256), out var ok);
        Assert.Null(ok);
        RoundTrip(new string('[', 257) + new string(']', 257), out var deep);
        Assert.Contains("nested deeper", deep);
        Assert.ThrowsAny<JsonException>(() => RoundTrip(new string('[', 1001) + new string(']', 1001), out _));
    }
}

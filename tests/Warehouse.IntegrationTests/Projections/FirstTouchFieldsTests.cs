using Dapper;
using Warehouse.IntegrationTests.Infrastructure;
using static Warehouse.IntegrationTests.Projections.TrackerEvents;

namespace Warehouse.IntegrationTests.Projections;

/// <summary>
/// What a visitor's first touch reads from its first event (StageSql): the context's fields first, then the
/// properties' as fallbacks, and nothing, without failing, when the context or the
/// properties are not objects. Each case is one visitor's only event, so that event is the first touch.
/// </summary>
public sealed class FirstTouchFieldsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    public sealed record Touch(string? Source, string? Medium, string? Campaign, string? Referrer, string? LandingPage,
        string? Device, string? Country, string? Subcategory);

    public static TheoryData<string, string, string, Touch> Cases => new()
    {
        {
            "context fields",
            """{"page":{"referrer":"https://a.example/","path":"/p","url":"https://shop.example/p"},"device":{"type":"mobile"},"os":{"name":"iOS"},"location":{"country":"NL"},"locale":"en-GB","campaign":{"source":" News ","medium":"Email","name":"Spring"}}""",
            """{"referrer":"https://ignored.example/","path":"/ignored"}""",
            new Touch("news", "email", "spring", "https://a.example/", "/p", "mobile", "NL", null)
        },
        {
            "fallbacks: properties, the OS, the locale's region",
            """{"os":{"name":"iOS"},"locale":"en_GB"}""",
            """{"referrer":"https://b.example/","url":"https://shop.example/x","name":"Pricing"}""",
            new Touch(null, null, null, "https://b.example/", "https://shop.example/x", "iOS", "GB", "Pricing")
        },
        {
            "a path in the properties comes before the context's url",
            """{"page":{"url":"https://shop.example/u"},"locale":"de-DE","campaign":{"source":""}}""",
            """{"path":"/from-properties"}""",
            new Touch(null, null, null, null, "/from-properties", null, "DE", null)
        },
        {
            "neither context nor properties an object",
            "\"a string\"",
            """["referrer", "path"]""",
            new Touch(null, null, null, null, null, null, null, null)
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task the_first_touch_reads_context_then_properties(string _, string context, string properties, Touch expected)
    {
        var anon = Guid.NewGuid().ToString();
        var page = PageWith(anon, T0, context, properties);
        await Projecting.AppendAsync(db.DataSource, page);
        await Projecting.CatchUpAsync(db.DataSource);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("select count(*) from warehouse.projection_dead_letters"));
        var touch = await conn.QuerySingleAsync<Touch>("""
            select u.first_source as Source, u.first_medium as Medium, u.first_campaign as Campaign, u.first_referrer as Referrer,
                   u.first_landing_page as LandingPage, u.first_device as Device, u.first_country as Country, f.subcategory as Subcategory
            from warehouse.dim_users u join warehouse.fct_interactions f on f.user_key = u.user_key
            where @anon = any(u.anonymous_ids) and f.interaction_id = @id
            """, new { anon, id = page.Id.ToString() });
        Assert.Equal(expected, touch);
    }
}

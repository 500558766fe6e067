using Dapper;
using Warehouse.EventStore;
using Warehouse.IntegrationTests.Infrastructure;
using static Warehouse.IntegrationTests.Projections.TrackerEvents;

namespace Warehouse.IntegrationTests.Projections;

public sealed class IdentityStitchingTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private sealed record Person(string? UserId, string AnonymousIds, DateTime? FirstSeenAt, string? FirstSource, string? FirstCampaign,
        int Facts, int Rows);

    private async Task<Person> PersonAsync(string userId, params string[] anonymousIds)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var rows = await conn.ExecuteScalarAsync<int>(
            "select count(*) from warehouse.dim_users where user_id = @userId or anonymous_ids && @anonymousIds", new { userId, anonymousIds });
        return await conn.QuerySingleAsync<Person>("""
            select u.user_id as UserId, array_to_string(u.anonymous_ids, ',') as AnonymousIds, u.first_seen_at as FirstSeenAt,
                   u.first_source as FirstSource, u.first_campaign as FirstCampaign,
                   (select count(*)::int from warehouse.fct_interactions f where f.user_key = u.user_key) as Facts, @rows as Rows
            from warehouse.dim_users u where u.user_id = @userId
            """, new { userId, rows });
    }

    private static List<NewEvent> LoginScenario(string user, string anon, string phone)
    {
        return
        [
            Page(null, anon, T0, campaign: new { source = "Newsletter", medium = "email", name = "Nov" }),
            Track(null, anon, "Product Viewed", T0.AddMinutes(1), new { product_id = "p1" }),
            Identify(user, anon, T0.AddMinutes(2), new { plan = "pro" }),
            Track(user, null, "Product Added", T0.AddMinutes(3), new { product_id = "p1" }),
            // A second device, linked later by an event that carries both ids.
            Screen(null, phone, T0.AddDays(2)),
            Track(user, phone, "Order Completed", T0.AddDays(2).AddMinutes(1), new { order_id = "o-" + user, revenue = 10m }),
        ];
    }

    [Fact]
    public async Task anonymous_browsing_before_login_and_a_second_device_make_one_person_whatever_the_arrival_order()
    {
        var random = new Random(42);
        var snapshots = new List<Person>();
        for (var round = 0; round < 6; round++)
        {
            var suffix = Guid.NewGuid().ToString("N")[..8];
            var events = LoginScenario("user-" + suffix, "anon-" + suffix, "phone-" + suffix);
            var order = round == 0 ? events : round == 1 ? Enumerable.Reverse(events).ToList() : events.OrderBy(_ => random.Next()).ToList();
            foreach (var e in order)
            {
                await Projecting.AppendAsync(db.DataSource, e);
                await Projecting.CatchUpAsync(db.DataSource); // one batch per event: the worst case for stitching
            }
            var person = await PersonAsync("user-" + suffix, "anon-" + suffix, "phone-" + suffix);
            snapshots.Add(person with { UserId = person.UserId!.Replace(suffix, "*", StringComparison.Ordinal),
                AnonymousIds = person.AnonymousIds.Replace(suffix, "*", StringComparison.Ordinal) });
        }
        Assert.All(snapshots, s => Assert.Equal(snapshots[0], s));
        var first = snapshots[0];
        Assert.Equal(1, first.Rows);
        Assert.Equal("anon-*,phone-*", first.AnonymousIds);
        Assert.Equal(T0.UtcDateTime, first.FirstSeenAt);
        Assert.Equal(("newsletter", "nov"), (first.FirstSource, first.FirstCampaign));
        Assert.Equal(5, first.Facts);
    }

    [Fact]
    public async Task an_identify_arriving_days_late_merges_the_visitor_into_the_user_and_moves_the_first_touch()
    {
        var s = Guid.NewGuid().ToString("N")[..8];
        string user = "user-" + s, anon = "anon-" + s;
        await Projecting.AppendAsync(db.DataSource, Page(null, anon, T0, campaign: new { source = "ads", medium = "cpc", name = "launch" }));
        await Projecting.AppendAsync(db.DataSource, Page(user, null, T0.AddDays(3)));
        await Projecting.CatchUpAsync(db.DataSource);
        await using (var conn = await db.DataSource.OpenConnectionAsync())
            Assert.Equal(2, await conn.ExecuteScalarAsync<int>(
                "select count(*) from warehouse.dim_users where user_id = @user or @anon = any(anonymous_ids)", new { user, anon }));

        await Projecting.AppendAsync(db.DataSource, Identify(user, anon, T0.AddMinutes(5))); // sent late by an offline app
        await Projecting.CatchUpAsync(db.DataSource);

        var person = await PersonAsync(user, anon);
        Assert.Equal(1, person.Rows);
        Assert.Equal(T0.UtcDateTime, person.FirstSeenAt);
        Assert.Equal(("ads", "launch"), (person.FirstSource, person.FirstCampaign));
        Assert.Equal(2, person.Facts);
    }

    [Fact]
    public async Task alias_links_an_old_id_to_the_new_user_id()
    {
        var s = Guid.NewGuid().ToString("N")[..8];
        string oldUser = "old-" + s, newUser = "new-" + s;
        await Projecting.AppendAsync(db.DataSource, Page(oldUser, null, T0), Page(newUser, null, T0.AddDays(1)));
        await Projecting.CatchUpAsync(db.DataSource);
        await Projecting.AppendAsync(db.DataSource, Alias(newUser, oldUser, T0.AddDays(1)));
        await Projecting.CatchUpAsync(db.DataSource);

        var person = await PersonAsync(newUser);
        Assert.Equal(2, person.Facts);
        Assert.Equal(T0.UtcDateTime, person.FirstSeenAt);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*) from warehouse.dim_users where user_id = @oldUser", new { oldUser }));
    }

    [Fact]
    public async Task a_late_earlier_event_moves_first_seen_and_first_touch_even_to_direct()
    {
        var s = Guid.NewGuid().ToString("N")[..8];
        var user = "user-" + s;
        await Projecting.AppendAsync(db.DataSource, Page(user, null, T0.AddDays(5), campaign: new { source = "ads", name = "later" }));
        await Projecting.CatchUpAsync(db.DataSource);
        Assert.Equal("ads", (await PersonAsync(user)).FirstSource);

        await Projecting.AppendAsync(db.DataSource, Page(user, null, T0.AddDays(1), campaign: new { source = "partner", name = "early" }));
        await Projecting.CatchUpAsync(db.DataSource);
        var moved = await PersonAsync(user);
        Assert.Equal((T0.AddDays(1).UtcDateTime, "partner", "early"), (moved.FirstSeenAt!.Value, moved.FirstSource!, moved.FirstCampaign!));

        // Strict first touch: an even earlier visit without a campaign makes the person direct.
        await Projecting.AppendAsync(db.DataSource, Page(user, null, T0));
        await Projecting.CatchUpAsync(db.DataSource);
        var direct = await PersonAsync(user);
        Assert.Equal((T0.UtcDateTime, null, null), (direct.FirstSeenAt!.Value, direct.FirstSource, direct.FirstCampaign));
    }

    [Fact]
    public async Task an_identify_only_person_exists_without_first_seen_and_traits_are_pseudonymised()
    {
        var user = "crm-" + Guid.NewGuid().ToString("N")[..8];
        await Projecting.AppendAsync(db.DataSource, Identify(user, null, T0, new { email = " Ann@Example.com ", plan = "free" }));
        await Projecting.AppendAsync(db.DataSource, Identify(user, null, T0.AddDays(1), new { plan = "pro" }));
        await Projecting.CatchUpAsync(db.DataSource);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var (firstSeen, email, plan) = await conn.QuerySingleAsync<(DateTime?, string, string)>(
            "select first_seen_at, traits ->> 'email', traits ->> 'plan' from warehouse.dim_users where user_id = @user", new { user });
        Assert.Null(firstSeen);
        Assert.Equal("pro", plan);
        Assert.StartsWith("sha256:", email, StringComparison.Ordinal);
        Assert.DoesNotContain("example", email, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_newest_identify_wins_per_trait_whatever_the_order_batches_bring_them_in()
    {
        var user = "crm-" + Guid.NewGuid().ToString("N")[..8];
        // The newer identify arrives (and is projected) first; the older one, days late, may only fill gaps.
        await Projecting.AppendAsync(db.DataSource, Identify(user, null, T0.AddDays(3), new { plan = "pro", seats = 5 }));
        await Projecting.CatchUpAsync(db.DataSource);
        await Projecting.AppendAsync(db.DataSource, Identify(user, null, T0, new { plan = "free", company = "Acme" }));
        await Projecting.CatchUpAsync(db.DataSource);
        // Then a newer one still, in the same batch as an older one (whose company is still newer than "Acme").
        await Projecting.AppendAsync(db.DataSource, Identify(user, null, T0.AddDays(5), new { seats = 7 }),
            Identify(user, null, T0.AddDays(1), new { seats = 1, company = "Acme Ltd" }));
        await Projecting.CatchUpAsync(db.DataSource);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var traits = await conn.QuerySingleAsync<string>(
            "select traits::text from warehouse.dim_users where user_id = @user", new { user });
        Assert.Equal("""{"plan": "pro", "seats": 7, "company": "Acme Ltd"}""", traits);
    }
}

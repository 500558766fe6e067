using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.Generation;

internal sealed partial class PersonSimulator
{
    /// <summary>
    /// One visit: a landing page (with the campaign, on every call made on that page), then a few steps of
    /// browsing, product views and cart changes, then perhaps a checkout and an order. Events are at least a
    /// second apart and a session lasts well under an hour.
    /// </summary>
    private void RunSession(PersonState person, int session, SimDevice device, SimCampaign? campaign, DateTimeOffset start)
    {
        var r = person.Random;
        var t = start;
        // A sign-up in the planned session, or a login on a device the person has not logged in on yet.
        var logsIn = (session == person.RegisterInSession && !person.Registered)
                     || (person.Registered && !person.LoggedInDevices.Contains(device.Ordinal) && r.NextDouble() < 0.5);
        var loginAtStep = logsIn ? r.Next(0, 4) : -1;

        var search = campaign is null ? null : Pages.UtmQuery(campaign);
        var referrer = Pages.ReferrerFor(campaign);
        var landOnProduct = campaign is not null && r.NextDouble() < 0.5;
        var landing = landOnProduct ? products.Pick(r) : null;
        Emit(person, device, SimEventKind.Page, t, landing is null ? Pages.Home(search, referrer) : Pages.Product(landing, search, referrer), campaign);
        if (landing is not null)
        {
            t = t.AddSeconds(r.Next(2, 6));
            Emit(person, device, SimEventKind.ProductViewed, t, Pages.Product(landing, search, referrer), campaign, landing);
        }

        var cart = new List<SimLine>();
        var cartId = person.Faker.Random.Uuid().ToString("N")[..16];
        var steps = r.Next(1, 8);
        for (var step = 0; step < steps; step++)
        {
            t = t.AddSeconds(r.Next(8, 90));
            if (step == loginAtStep) t = Identify(person, device, t);
            var roll = r.NextDouble();
            if (roll < 0.5)
            {
                var p = products.Pick(r);
                var page = Pages.Product(p);
                Emit(person, device, SimEventKind.Page, t, page, null);
                t = t.AddSeconds(r.Next(1, 4));
                Emit(person, device, SimEventKind.ProductViewed, t, page, null, p);
                if (r.NextDouble() < AddToCartRate)
                {
                    t = t.AddSeconds(r.Next(3, 30));
                    var quantity = r.NextDouble() < 0.8 ? 1 : r.Next(2, 4);
                    cart.Add(new SimLine(p, quantity));
                    Emit(person, device, SimEventKind.ProductAdded, t, page, null, p, quantity, cartId);
                }
            }
            else if (roll < 0.75)
            {
                Emit(person, device, SimEventKind.Page, t, Pages.Category(products.Pick(r).Category), null);
            }
            else if (roll < 0.82 && cart.Count > 0)
            {
                var line = cart[r.Next(cart.Count)];
                cart.Remove(line);
                Emit(person, device, SimEventKind.ProductRemoved, t, Pages.Cart(), null, line.Product, line.Quantity, cartId);
            }
            else
            {
                Emit(person, device, SimEventKind.Page, t, Pages.Content(r), null);
            }
        }
        if (loginAtStep >= steps) t = Identify(person, device, t.AddSeconds(r.Next(5, 30)));

        if (cart.Count > 0 && r.NextDouble() < CheckoutRate) Checkout(person, device, cart, cartId, t);
    }

    private void Checkout(PersonState person, SimDevice device, List<SimLine> cart, string cartId, DateTimeOffset t)
    {
        var r = person.Random;
        var lines = cart.GroupBy(l => l.Product).Select(g => new SimLine(g.Key, g.Sum(l => l.Quantity))).ToList();
        var subtotal = lines.Sum(l => l.Amount);
        var coupon = r.NextDouble() < CouponRate ? "SAVE10" : null;
        var discount = coupon is null ? 0m : Math.Round(subtotal * 0.10m, 2, MidpointRounding.AwayFromZero);
        var revenue = subtotal - discount;
        var order = new SimOrder(
            OrderId: $"o{options.Seed}-{person.Faker.Random.AlphaNumeric(10)}",
            CheckoutId: cartId,
            Lines: lines,
            Subtotal: subtotal,
            Discount: discount,
            Coupon: coupon,
            Revenue: revenue,
            Shipping: revenue >= 50 ? 0m : 4.99m,
            Tax: Math.Round(revenue * 0.08m, 2, MidpointRounding.AwayFromZero),
            Currency: options.Currency);

        t = t.AddSeconds(r.Next(10, 60));
        Emit(person, device, SimEventKind.Page, t, Pages.Checkout(), null);
        t = t.AddSeconds(r.Next(2, 10));
        Emit(person, device, SimEventKind.CheckoutStarted, t, Pages.Checkout(), null, order: order);
        if (!person.LoggedInDevices.Contains(device.Ordinal) && r.NextDouble() < GuestCheckoutLoginRate)
            t = Identify(person, device, t.AddSeconds(r.Next(20, 90)));
        if (r.NextDouble() >= OrderRate) return;

        t = t.AddSeconds(r.Next(30, 240));
        var placed = Emit(person, device, SimEventKind.OrderCompleted, t, Pages.Checkout(), null, order: order);
        if (r.NextDouble() < RefundRate)
        {
            var refundAt = t.AddDays(r.Next(1, 10)).AddSeconds(r.Next(0, 3600));
            // A server-side call: the shop's backend knows the user id, or for a guest only the anonymous id.
            if (refundAt < options.EndInstant)
                Emit(person, device, SimEventKind.OrderRefunded, refundAt, null, null, order: order, serverSide: placed.UserId is not null);
        }
    }

    /// <summary>Log in (and sign up the first time): identify with traits; the device's later events carry the userId.</summary>
    private DateTimeOffset Identify(PersonState person, SimDevice device, DateTimeOffset t)
    {
        if (!person.Registered)
        {
            person.Registered = true;
            person.Account = person.Account with { CreatedAt = t };
        }
        person.LoggedInDevices.Add(device.Ordinal);
        Emit(person, device, SimEventKind.Identify, t, null, null, traits: person.Account);
        return t.AddSeconds(2);
    }

    private SimEvent Emit(PersonState person, SimDevice device, SimEventKind kind, DateTimeOffset time, SimPage? page,
        SimCampaign? campaign, SimProduct? product = null, int quantity = 0, string? cartId = null,
        SimOrder? order = null, SimPerson? traits = null, bool serverSide = false)
    {
        var loggedIn = person.LoggedInDevices.Contains(device.Ordinal);
        return sink.Add(new SimEvent
        {
            Index = 0,
            MessageId = person.Faker.Random.Uuid().ToString(),
            Kind = kind,
            Time = time,
            Device = device,
            AnonymousId = serverSide ? null : device.AnonymousId,
            UserId = loggedIn ? person.Account.UserId : null,
            Page = page,
            Campaign = campaign,
            Product = product,
            Quantity = quantity,
            CartId = cartId,
            Order = order,
            Traits = traits,
        });
    }
}

using System.Security.Cryptography;
using Warehouse.EventStore;
using Warehouse.Ingestion;

namespace Warehouse.Tests.Ingestion;

public sealed class MessageIdsTests
{
    [Fact]
    public void the_streaming_paths_ids_are_the_event_stores_ids()
    {
        // Dedupe across retries and versions depends on it: every length around the one- and two-block boundaries.
        var random = new Random(4);
        for (var length = 0; length < 300; length++)
        {
            var messageId = new string(Enumerable.Range(0, length).Select(_ => (char)random.Next(0x20, 0x7F)).ToArray());
            Assert.Equal(EventIds.ForMessage("web", messageId), MessageIds.ForMessage("web", messageId));
        }
        Assert.Equal(EventIds.ForMessage("shop-ü", "漢字 🚀"), MessageIds.ForMessage("shop-ü", "漢字 🚀"));
        Assert.Equal(EventIds.ForMessage("s", new string('x', 5000)), MessageIds.ForMessage("s", new string('x', 5000)));
    }

    [Fact]
    public void sha1_matches_the_platform_for_every_padding_case()
    {
        var random = new Random(9);
        var hash = new byte[20];
        for (var length = 0; length < 200; length++)
        {
            var input = new byte[length];
            random.NextBytes(input);
            MessageIds.Sha1(input, hash);
#pragma warning disable CA5350 // the reference implementation, for a test
            Assert.Equal(SHA1.HashData(input), hash);
#pragma warning restore CA5350
        }
    }
}

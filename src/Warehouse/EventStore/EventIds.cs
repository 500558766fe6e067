using System.Security.Cryptography;
using System.Text;

namespace Warehouse.EventStore;

/// <summary>
/// Name-based (version 5, SHA-1, RFC 9562) event ids: the same (source, messageId) always gives the same id,
/// so a retried delivery hits the unique index and is recognised as a duplicate.
/// </summary>
public static class EventIds
{
    /// <summary>Fixed namespace for Warehouse message ids (a random UUID chosen once; never change it).</summary>
    private static readonly Guid Namespace = new("6f1c2b7e-4a51-4d8e-9a0b-3f7d2c9e8b14");

    public static Guid ForMessage(string source, string messageId) => Create(Namespace, source + "\n" + messageId);

    public static Guid Create(Guid @namespace, string name)
    {
        Span<byte> input = stackalloc byte[16];
        @namespace.TryWriteBytes(input, bigEndian: true, out _);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var buffer = new byte[16 + nameBytes.Length];
        input.CopyTo(buffer);
        nameBytes.CopyTo(buffer, 16);
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 specifies for version 5; this is an identifier, not security.
        var hash = SHA1.HashData(buffer);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}

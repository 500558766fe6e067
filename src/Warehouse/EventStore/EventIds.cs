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

    public static Guid ForMessage(string source, string messageId)
    {
        // Hot path of ingestion (once per event): hash namespace + UTF-8(source + "\n" + messageId) without the
        // concatenated string and byte arrays; the bytes hashed are exactly those of Create.
        var length = 16 + Encoding.UTF8.GetByteCount(source) + 1 + Encoding.UTF8.GetByteCount(messageId);
        byte[]? rented = null;
        var buffer = length <= 512 ? stackalloc byte[512] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length));
        Namespace.TryWriteBytes(buffer, bigEndian: true, out _);
        var at = 16 + Encoding.UTF8.GetBytes(source, buffer[16..]);
        buffer[at++] = (byte)'\n';
        at += Encoding.UTF8.GetBytes(messageId, buffer[at..]);
        var id = FromName(buffer[..at]);
        if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        return id;
    }

    public static Guid Create(Guid @namespace, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var buffer = new byte[16 + nameBytes.Length];
        @namespace.TryWriteBytes(buffer, bigEndian: true, out _);
        nameBytes.CopyTo(buffer, 16);
        return FromName(buffer);
    }

    /// <param name="input">The namespace's 16 big-endian bytes followed by the name's UTF-8 bytes.</param>
    private static Guid FromName(ReadOnlySpan<byte> input)
    {
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 specifies for version 5; this is an identifier, not security.
        SHA1.HashData(input, hash);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true);
    }
}

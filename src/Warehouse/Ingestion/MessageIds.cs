using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Warehouse.EventStore;

namespace Warehouse.Ingestion;

/// <summary>
/// <see cref="EventIds.ForMessage"/> for the ingestion hot path: the same version-5 UUID, with SHA-1 computed here
/// instead of through OpenSSL. The ids are one or two 64-byte blocks; the calls into libcrypto (context set-up,
/// error-queue clearing, frees) cost more than hashing them, about a twelfth of the server's CPU under the ingest
/// bench (issue 4). A test pins the result to <see cref="EventIds.ForMessage"/> (dedupe depends on equal ids).
/// </summary>
internal static class MessageIds
{
    /// <summary>
    /// The namespace of <see cref="EventIds"/> (a copy: it keeps it private), in RFC byte order. The test that
    /// compares ids with <see cref="EventIds.ForMessage"/> fails if the two ever differ.
    /// </summary>
    private static readonly byte[] NamespaceBytes = new Guid("6f1c2b7e-4a51-4d8e-9a0b-3f7d2c9e8b14").ToByteArray(bigEndian: true);

    public static Guid ForMessage(string source, string messageId)
    {
        var length = 16 + Encoding.UTF8.GetByteCount(source) + 1 + Encoding.UTF8.GetByteCount(messageId);
        if (length > 1024) return EventIds.ForMessage(source, messageId); // long ids: rare, the general path
        Span<byte> input = stackalloc byte[1024];
        NamespaceBytes.CopyTo(input);
        var at = 16 + Encoding.UTF8.GetBytes(source, input[16..]);
        input[at++] = (byte)'\n';
        at += Encoding.UTF8.GetBytes(messageId, input[at..]);

        Span<byte> hash = stackalloc byte[20];
        Sha1(input[..at], hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>SHA-1 (FIPS 180-4) of <paramref name="input"/> into 20 bytes.</summary>
    internal static void Sha1(ReadOnlySpan<byte> input, Span<byte> hash)
    {
        Span<uint> h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
        Span<uint> w = stackalloc uint[80];
        var full = input.Length / 64;
        for (var b = 0; b < full; b++) Block(input.Slice(b * 64, 64), h, w);

        // Padding: 0x80, zeros, then the length in bits as a big-endian 64-bit number, in one or two blocks.
        Span<byte> tail = stackalloc byte[128];
        tail.Clear();
        var rest = input[(full * 64)..];
        rest.CopyTo(tail);
        tail[rest.Length] = 0x80;
        var tailLength = rest.Length + 9 <= 64 ? 64 : 128;
        BinaryPrimitives.WriteUInt64BigEndian(tail[(tailLength - 8)..], (ulong)input.Length * 8);
        Block(tail[..64], h, w);
        if (tailLength == 128) Block(tail[64..], h, w);

        for (var i = 0; i < 5; i++) BinaryPrimitives.WriteUInt32BigEndian(hash[(i * 4)..], h[i]);
    }

    private static void Block(ReadOnlySpan<byte> block, Span<uint> h, Span<uint> w)
    {
        for (var t = 0; t < 16; t++) w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(t * 4)..]);
        for (var t = 16; t < 80; t++) w[t] = BitOperations.RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        w = w[..80]; // lets the JIT drop the bounds checks below
        uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        // Four loops, one per round function, rather than a branch per round.
        for (var t = 0; t < 20; t++) Round(ref a, ref b, ref c, ref d, ref e, ((b & c) | (~b & d)) + 0x5A827999 + w[t]);
        for (var t = 20; t < 40; t++) Round(ref a, ref b, ref c, ref d, ref e, (b ^ c ^ d) + 0x6ED9EBA1 + w[t]);
        for (var t = 40; t < 60; t++) Round(ref a, ref b, ref c, ref d, ref e, ((b & c) | (b & d) | (c & d)) + 0x8F1BBCDC + w[t]);
        for (var t = 60; t < 80; t++) Round(ref a, ref b, ref c, ref d, ref e, (b ^ c ^ d) + 0xCA62C1D6 + w[t]);
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Round(ref uint a, ref uint b, ref uint c, ref uint d, ref uint e, uint fkw)
    {
        var temp = BitOperations.RotateLeft(a, 5) + fkw + e;
        e = d;
        d = c;
        c = BitOperations.RotateLeft(b, 30);
        b = a;
        a = temp;
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Npgsql;

namespace Warehouse.EventStore;

/// <summary>
/// Writes mt_events rows in PostgreSQL's binary COPY format straight into a pooled buffer and sends it through a raw
/// COPY stream. Npgsql's row importer costs a generic, asynchronous call per field (eight per event); on the ingestion
/// hot path, where the server shares two cores with PostgreSQL, that was about a tenth of the server's CPU (issue 4).
/// The bytes are what the importer sends: int16 field count, then per field an int32 length (-1 = NULL) and the
/// value: int8 big-endian, uuid in RFC byte order, varchar as UTF-8, jsonb as version 1 + UTF-8 text, timestamptz
/// as microseconds since 2000-01-01 UTC.
/// </summary>
internal static class EventCopyRows
{
    public const string Command =
        "copy events.mt_events (seq_id, id, stream_id, version, data, type, timestamp, headers) from stdin (format binary)";

    private const int FieldCount = 8;
    private const int BufferSize = 64 * 1024;
    private const long PostgresEpochTicks = 630_822_816_000_000_000; // 2000-01-01T00:00:00Z

    /// <summary>Strict, as Npgsql encodes text: a string that is not valid UTF-16 fails instead of being altered.</summary>
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Signature, flags (0), header extension length (0).</summary>
    private static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <param name="positions">The rows to write, in order: indexes into <paramref name="events"/> and <paramref name="results"/>.</param>
    public static async Task WriteAsync(NpgsqlConnection conn, IReadOnlyList<NewEvent> events, IReadOnlyList<int> positions,
        AppendedEvent[] results, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var copy = await conn.BeginRawBinaryCopyAsync(Command, ct);
        try
        {
            Header.CopyTo(buffer);
            var at = Header.Length;
            foreach (var position in positions)
            {
                var e = events[position];
                var bound = MaxRowBytes(e);
                if (at + bound > buffer.Length)
                {
                    await copy.WriteAsync(buffer.AsMemory(0, at), ct);
                    at = 0;
                    if (bound > buffer.Length)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = ArrayPool<byte>.Shared.Rent(bound);
                    }
                }
                at += WriteRow(buffer.AsSpan(at), e, results[position]);
            }
            if (at + 2 > buffer.Length)
            {
                await copy.WriteAsync(buffer.AsMemory(0, at), ct);
                at = 0;
            }
            BinaryPrimitives.WriteInt16BigEndian(buffer.AsSpan(at), -1); // trailer
            at += 2;
            await copy.WriteAsync(buffer.AsMemory(0, at), ct);
        }
        catch
        {
            // Do not let the dispose below send CopyDone for a partial payload: abort the COPY instead.
            await copy.CancelAsync();
            await copy.DisposeAsync();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        await copy.DisposeAsync(); // sends CopyDone and waits for PostgreSQL's answer (errors surface here)
    }

    private static int MaxRowBytes(NewEvent e) =>
        2 + (FieldCount * 4) + 8 + 16 + Utf8.GetMaxByteCount(e.StreamId.Length) + 8
        + 1 + (e.DataUtf8 is { } utf8 ? utf8.Length : Utf8.GetMaxByteCount(e.Data.Length))
        + Utf8.GetMaxByteCount(e.Type.Length) + 8
        + (e.Headers is null ? 0 : 1 + Utf8.GetMaxByteCount(e.Headers.Length));

    private static int WriteRow(Span<byte> row, NewEvent e, AppendedEvent r)
    {
        BinaryPrimitives.WriteInt16BigEndian(row, FieldCount);
        var at = 2;
        at += Int64(row[at..], r.Sequence);
        at += Uuid(row[at..], e.Id);
        at += Text(row[at..], e.StreamId, jsonb: false);
        at += Int64(row[at..], r.Version);
        at += e.DataUtf8 is { } utf8 ? Jsonb(row[at..], utf8.Span) : Text(row[at..], e.Data, jsonb: true);
        at += Text(row[at..], e.Type, jsonb: false);
        at += Int64(row[at..], Microseconds(e.Timestamp));
        if (e.Headers is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(row[at..], -1);
            at += 4;
        }
        else
        {
            at += Text(row[at..], e.Headers, jsonb: true);
        }
        return at;
    }

    private static int Int64(Span<byte> field, long value)
    {
        BinaryPrimitives.WriteInt32BigEndian(field, 8);
        BinaryPrimitives.WriteInt64BigEndian(field[4..], value);
        return 12;
    }

    private static int Uuid(Span<byte> field, Guid value)
    {
        BinaryPrimitives.WriteInt32BigEndian(field, 16);
        value.TryWriteBytes(field[4..], bigEndian: true, out _);
        return 20;
    }

    private static int Text(Span<byte> field, string value, bool jsonb)
    {
        var prefix = jsonb ? 1 : 0;
        if (jsonb) field[4] = 1; // jsonb binary format version
        var length = prefix + Utf8.GetBytes(value, field[(4 + prefix)..]);
        BinaryPrimitives.WriteInt32BigEndian(field, length);
        return 4 + length;
    }

    private static int Jsonb(Span<byte> field, ReadOnlySpan<byte> utf8)
    {
        BinaryPrimitives.WriteInt32BigEndian(field, 1 + utf8.Length);
        field[4] = 1;
        utf8.CopyTo(field[5..]);
        return 5 + utf8.Length;
    }

    /// <summary>As Npgsql writes timestamptz: DateTime.MinValue/MaxValue are -infinity/infinity, else µs since 2000.</summary>
    private static long Microseconds(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        if (utc == DateTime.MaxValue) return long.MaxValue;
        if (utc == DateTime.MinValue) return long.MinValue;
        return (utc.Ticks - PostgresEpochTicks) / 10;
    }
}

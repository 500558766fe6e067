using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warehouse.Ingestion.Json;

/// <summary>
/// A small JSON tree for tracker messages. We do not use JsonNode because its objects throw on duplicate keys
/// and its numbers round-trip through double; here objects keep the last value of a repeated key (as
/// PostgreSQL jsonb does), numbers keep their exact text, and strings are already storable (see SafeJsonParser).
/// </summary>
public abstract class JsonTree
{
    public abstract void WriteTo(Utf8JsonWriter writer);

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Non-ASCII stays verbatim; only what JSON itself requires is escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = SafeJsonParser.MaxReaderDepth + 8,
    };

    // Once per event on the ingestion hot path: reuse one buffer and writer per thread instead of allocating
    // (and growing) new ones for every message.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public string ToJson() => Write(static span => System.Text.Encoding.UTF8.GetString(span));

    /// <summary>The JSON text as UTF-8 bytes (what the event store's COPY sends), without a UTF-16 string between.</summary>
    public byte[] ToJsonUtf8() => Write(static span => span.ToArray());

    private T Write<T>(Func<ReadOnlySpan<byte>, T> result)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        try
        {
            WriteTo(writer);
            writer.Flush();
            return result(buffer.WrittenSpan);
        }
        finally
        {
            // A rare huge message must not pin its buffer to the thread for good.
            if (buffer.Capacity > 64 * 1024) { t_buffer = null; t_writer = null; }
        }
    }

    /// <summary>The text of a string, or the exact text of a number; null for anything else.</summary>
    public string? ScalarText => this switch
    {
        JsonText s => s.Value,
        JsonNumber n => n.Raw,
        _ => null,
    };

    public bool IsNull => this is JsonLiteral { Kind: JsonValueKind.Null };
}

public sealed class JsonObject : JsonTree
{
    // Insertion-ordered; tracker messages have few keys, so a linear scan beats a dictionary. Sized for a typical
    // Segment message, so parsing does not regrow the list.
    private readonly List<KeyValuePair<string, JsonTree>> _properties = new(8);

    public IReadOnlyList<KeyValuePair<string, JsonTree>> Properties => _properties;

    public JsonTree? this[string key]
    {
        get
        {
            var i = IndexOf(key);
            return i < 0 ? null : _properties[i].Value;
        }
        set
        {
            var i = IndexOf(key);
            if (value is null) { if (i >= 0) _properties.RemoveAt(i); }
            else if (i >= 0) _properties[i] = new(key, value);
            else _properties.Add(new(key, value));
        }
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public void Remove(string key) => this[key] = null;

    private int IndexOf(string key)
    {
        for (var i = 0; i < _properties.Count; i++)
            if (string.Equals(_properties[i].Key, key, StringComparison.Ordinal)) return i;
        return -1;
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in _properties)
        {
            writer.WritePropertyName(key);
            value.WriteTo(writer);
        }
        writer.WriteEndObject();
    }
}

public sealed class JsonArray : JsonTree
{
    public List<JsonTree> Items { get; } = [];

    public override void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (var item in Items) item.WriteTo(writer);
        writer.WriteEndArray();
    }
}

public sealed class JsonText : JsonTree
{
    private string? _value;
    private readonly byte[]? _utf8;

    public JsonText(string value) => _value = value;

    /// <summary>
    /// A string as the request spelled it: valid UTF-8 with no escape in it, hence no NUL and no lone surrogate
    /// (already storable). Most strings of a message are never looked at, only written back: they skip the round
    /// trip through UTF-16 (issue 4's throughput work); <see cref="Value"/> decodes on first use.
    /// </summary>
    internal JsonText(byte[] utf8) => _utf8 = utf8;

    public string Value => _value ??= System.Text.Encoding.UTF8.GetString(_utf8!);

    public override void WriteTo(Utf8JsonWriter writer)
    {
        if (_utf8 is not null) writer.WriteStringValue(_utf8);
        else writer.WriteStringValue(_value);
    }
}

/// <param name="raw">The number exactly as sent (already checked to be valid JSON and storable in numeric).</param>
public sealed class JsonNumber(string raw) : JsonTree
{
    public string Raw { get; } = raw;
    public override void WriteTo(Utf8JsonWriter writer) => writer.WriteRawValue(Raw, skipInputValidation: true);
}

public sealed class JsonLiteral : JsonTree
{
    private JsonLiteral(JsonValueKind kind) => Kind = kind;
    public static JsonLiteral True { get; } = new(JsonValueKind.True);
    public static JsonLiteral False { get; } = new(JsonValueKind.False);
    public static JsonLiteral Null { get; } = new(JsonValueKind.Null);
    public JsonValueKind Kind { get; }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case JsonValueKind.True: writer.WriteBooleanValue(true); break;
            case JsonValueKind.False: writer.WriteBooleanValue(false); break;
            default: writer.WriteNullValue(); break;
        }
    }
}

using System.Text.Json;
using Warehouse.Ingestion.Json;

namespace Warehouse.Ingestion;

/// <summary>One message of a request: its raw bytes and, parsed on first use, its tree.</summary>
public sealed class RawMessage
{
    private JsonTree? _tree;
    private string? _problem;

    /// <param name="problem">Why it cannot be stored, if the parser already knows (too deep, unstorable number).</param>
    public RawMessage(int index, JsonTree tree, ReadOnlyMemory<byte> raw, string? problem)
    {
        Index = index;
        Raw = raw;
        _tree = tree;
        _problem = problem;
    }

    /// <summary>
    /// A batch item whose bytes the body's reader already checked to be one JSON value. Most items are normalised
    /// straight from these bytes (<see cref="StreamingNormalizer"/>) and never need a tree.
    /// </summary>
    internal RawMessage(int index, ReadOnlyMemory<byte> raw)
    {
        Index = index;
        Raw = raw;
    }

    public int Index { get; }
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>Whether the tree was built already (a single call's body); the streaming path is for the others.</summary>
    internal bool IsParsed => _tree is not null;

    /// <summary>The message as a tree (as <see cref="SafeJsonParser"/> reads it).</summary>
    public JsonTree Tree
    {
        get
        {
            if (_tree is null) _tree = SafeJsonParser.Parse(Raw.Span, out _problem);
            return _tree;
        }
    }

    /// <summary>Why it cannot be stored, if the parser knows (too deep, unstorable number).</summary>
    public string? Problem
    {
        get
        {
            _ = Tree; // parses on first use
            return _problem;
        }
    }
}

/// <summary>
/// A Segment request body, split into messages: a single call (the body is the message) or a batch envelope
/// `{"batch": [...], "context", "integrations", "sentAt", "writeKey"}` whose context and integrations are merged
/// into every item.
/// </summary>
public sealed class SegmentBody
{
    public List<RawMessage> Messages { get; } = [];
    public string? WriteKey { get; private set; }
    public JsonObject? Context { get; private set; }
    public JsonObject? Integrations { get; private set; }
    public JsonTree? SentAt { get; private set; }

    /// <summary>The headers text built for the previous message, reused when sentAt and flags are the same.</summary>
    internal (JsonTree? SentAt, string Flags, string Headers)? LastHeaders { get; set; }

    /// <summary>As <see cref="LastHeaders"/> for <see cref="StreamingNormalizer"/>: keyed by the item's own sentAt text (null = the envelope's).</summary>
    internal (string? OwnSentAt, string Flags, string Headers)? LastStreamedHeaders { get; set; }

    /// <summary>The envelope has context or integrations to merge into every item (the general path does that).</summary>
    internal bool HasContextToMerge => Context is { Properties.Count: > 0 } || Integrations is { Properties.Count: > 0 };

    /// <summary>The sentAt parsed for the previous message, reused while items share the same (envelope) sentAt.</summary>
    internal (JsonTree? Tree, DateTimeOffset? Parsed)? LastSentAt { get; set; }

    /// <summary>Parses a single-call body. Throws <see cref="JsonException"/> when it is not JSON.</summary>
    public static SegmentBody ParseSingle(ReadOnlyMemory<byte> body)
    {
        var tree = SafeJsonParser.Parse(body.Span, out var problem);
        var result = new SegmentBody();
        var json = body[SafeJsonParser.BomLength(body.Span)..];
        result.Messages.Add(new RawMessage(0, tree, json, problem));
        if (tree is JsonObject obj && obj["writeKey"] is JsonText key) result.WriteKey = key.Value;
        return result;
    }

    /// <summary>
    /// Parses a batch envelope. Throws <see cref="JsonException"/> when the body is not JSON, and
    /// <see cref="InvalidBodyException"/> when it is JSON but not a batch.
    /// </summary>
    public static SegmentBody ParseBatch(ReadOnlyMemory<byte> body, string collectionName = "batch")
    {
        var offset = SafeJsonParser.BomLength(body.Span);
        var json = body[offset..];
        var reader = SafeJsonParser.CreateReader(json.Span);
        if (!reader.Read()) throw new JsonException("the body is empty");
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidBodyException($"the body must be a JSON object with a \"{collectionName}\" array");

        var result = new SegmentBody();
        var sawCollection = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = SafeJsonParser.ReadString(ref reader);
            reader.Read();
            if (name == collectionName)
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw new InvalidBodyException($"\"{collectionName}\" must be an array of messages");
                sawCollection = true;
                result.Messages.Clear(); // a repeated key: the last one wins
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    // Only delimit the item here (the reader still checks its syntax and the body's depth limit);
                    // it is read again by the normaliser, which builds a tree only when it has to.
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    var end = (int)reader.BytesConsumed;
                    result.Messages.Add(new RawMessage(result.Messages.Count, json[start..end]));
                }
                continue;
            }
            string? ignored = null;
            var value = SafeJsonParser.ReadValue(ref reader, reader.CurrentDepth, ref ignored);
            switch (name)
            {
                case "writeKey": result.WriteKey = (value as JsonText)?.Value; break;
                case "context": result.Context = value as JsonObject; break;
                case "integrations": result.Integrations = value as JsonObject; break;
                case "sentAt": result.SentAt = value; break;
            }
        }
        if (reader.Read()) throw new JsonException("unexpected data after the JSON value");
        if (!sawCollection) throw new InvalidBodyException($"the body has no \"{collectionName}\" array");
        return result;
    }
}

/// <summary>The body is JSON but not of the expected shape (400).</summary>
public sealed class InvalidBodyException(string message) : Exception(message);

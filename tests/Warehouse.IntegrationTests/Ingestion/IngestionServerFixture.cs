using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Warehouse.Ingestion;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Ingestion;

/// <summary>
/// One migrated database and one real web host per test class, with the write-key cache off so a revoke is
/// seen at once. Tests create their own source (unique name) and use unique message ids.
/// </summary>
public sealed class IngestionServerFixture : IAsyncLifetime
{
    private readonly DatabaseFixture _db = new();
    private TestServer? _server;

    public TestServer Server => _server ?? throw new InvalidOperationException("fixture not initialised");
    public NpgsqlDataSource DataSource => _db.DataSource;
    public string ConnectionString => _db.ConnectionString;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        _server = await TestServer.StartAsync(_db.ConnectionString, new Dictionary<string, string?> { ["Ingestion:SourceCacheSeconds"] = "0" });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>A new source with a unique name; returns (name, write key).</summary>
    public async Task<(string Name, string Key)> NewSourceAsync(IReadOnlyList<string>? origins = null)
    {
        var name = "src-" + Guid.NewGuid().ToString("N")[..12];
        return (name, await SourceRegistry.CreateAsync(DataSource, name, CancellationToken.None, origins));
    }

    public static AuthenticationHeaderValue Basic(string key, bool colon = true) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(colon ? key + ":" : key)));

    public async Task<HttpResponseMessage> PostAsync(string path, string key, string json, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, contentType) };
        request.Headers.Authorization = Basic(key);
        return await Server.Client.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>The stored events of a source whose messageId is given, as (type, stream, data, headers).</summary>
    public async Task<IReadOnlyList<StoredRow>> EventsAsync(string source, params string[] messageIds)
    {
        await using var cmd = DataSource.CreateCommand("""
            select type, stream_id, data::text, headers::text from events.mt_events
            where headers->>'source' = $1 and ($2::text[] is null or data->>'messageId' = any($2)) order by seq_id
            """);
        cmd.Parameters.Add(new() { Value = source });
        cmd.Parameters.Add(new() { Value = messageIds.Length == 0 ? DBNull.Value : messageIds, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        var rows = new List<StoredRow>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add(new StoredRow(reader.GetString(0), reader.GetString(1), JsonDocument.Parse(reader.GetString(2), Deep).RootElement.Clone(),
                JsonDocument.Parse(reader.GetString(3)).RootElement.Clone()));
        return rows;
    }

    // Stored messages may nest up to 256 levels: every reader of mt_events.data needs a MaxDepth above the default 64.
    private static readonly JsonDocumentOptions Deep = new() { MaxDepth = 512 };

    public async Task<IReadOnlyList<QuarantinedMessage>> QuarantineAsync(string source) =>
        await QuarantineStore.ListAsync(DataSource, 1000, source, CancellationToken.None);
}

public sealed record StoredRow(string Type, string StreamId, JsonElement Data, JsonElement Headers);

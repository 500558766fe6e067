using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Warehouse.Ingestion;

namespace Warehouse.Host.Cli;

/// <summary>`warehouse quarantine list`: the messages ingestion rejected, newest first, with the reason and the raw JSON.</summary>
public static class QuarantineCommand
{
    public static Command Build()
    {
        var quarantine = new Command("quarantine", "Messages ingestion rejected (kept with their raw JSON and the reason).");
        var limit = new Option<int>("--limit") { Description = "How many, newest first.", DefaultValueFactory = _ => 50 };
        var source = new Option<string?>("--source") { Description = "Only this source." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line, with the full raw message." };
        var list = new Command("list", "List rejected messages, newest first.") { limit, source, json };
        list.WithDatabaseOptions();
        list.SetAction((parse, ct) => SourcesCommand.WithDataSourceAsync(parse, ct, async ds =>
        {
            var rows = await QuarantineStore.ListAsync(ds, Math.Max(1, parse.GetValue(limit)), parse.GetValue(source), ct);
            if (parse.GetValue(json))
            {
                foreach (var q in rows)
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        id = q.Id, source = q.Source, receivedAt = q.ReceivedAt, path = q.Path, index = q.BatchIndex,
                        messageId = q.MessageId, reason = q.Reason, ip = q.Ip, raw = q.RawText,
                    }));
                return 0;
            }
            if (rows.Count == 0)
            {
                Console.WriteLine("The quarantine is empty: no message has been rejected.");
                return 0;
            }
            CliTable.Write(["id", "received", "source", "path", "index", "messageId", "reason", "raw"], rows.Select(q => new[]
            {
                q.Id.ToString(CultureInfo.InvariantCulture), q.ReceivedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                q.Source ?? "-", q.Path, q.BatchIndex?.ToString(CultureInfo.InvariantCulture) ?? "-", q.MessageId ?? "-", q.Reason, Preview(q.RawText),
            }));
            Console.WriteLine($"{rows.Count} shown; `warehouse quarantine list --json` prints the full raw messages.");
            return 0;
        }));
        quarantine.Subcommands.Add(list);
        return quarantine;
    }

    private static string Preview(string raw)
    {
        var flat = raw.ReplaceLineEndings(" ");
        return flat.Length <= 80 ? flat : flat[..77] + "...";
    }
}

using Microsoft.Extensions.Logging;
using Npgsql;
using Warehouse.EventStore;

namespace Warehouse.Ingestion;

public enum IngestStatus { Committed, Overloaded }

/// <summary>What happened to a request's messages; <see cref="IngestStatus.Committed"/> means durably stored.</summary>
public sealed record IngestResult(IngestStatus Status, int Accepted, int Duplicates, IReadOnlyList<Rejection> Rejected)
{
    public static IngestResult Overloaded { get; } = new(IngestStatus.Overloaded, 0, 0, []);
}

/// <summary>An event ready to append, with what is needed to quarantine it if the database refuses it.</summary>
public sealed record Candidate(NewEvent Event, int Index, string MessageId, ReadOnlyMemory<byte> Raw);

/// <summary>
/// Turns parsed requests into appended events: normalise each message on its own, append the valid ones in one
/// call (group commit is the event store's business), quarantine the rejects, and return only after both are
/// committed. Database failures propagate (the endpoint answers 503); bad data never does.
/// </summary>
public sealed partial class IngestionService(IEventStore store, NpgsqlDataSource dataSource, ILogger<IngestionService> logger)
{
    public async Task<IngestResult> IngestAsync(SegmentBody body, string? pathType, IngestContext ctx, CancellationToken ct)
    {
        var candidates = new List<Candidate>(body.Messages.Count);
        var rejected = new List<Rejection>();
        foreach (var message in body.Messages)
        {
            Candidate? candidate;
            Rejection? rejection;
            try
            {
                candidate = MessageNormalizer.Normalize(message, pathType, body, ctx, out rejection);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A defect of ours must not lose the message: it goes to the quarantine, raw, with the reason.
                LogNormalizeFailed(logger, ex, ctx.Source.Name, message.Index);
                candidate = null;
                rejection = new Rejection(message.Index, null, $"the message could not be processed ({ex.GetType().Name}); it is kept in the quarantine", message.Raw);
            }
            if (candidate is not null) candidates.Add(candidate);
            else rejected.Add(rejection!);
        }
        return await CommitAsync(candidates, rejected, ctx, ct);
    }

    /// <summary>Appends the candidates and quarantines the rejects; shared by the tracker and catalogue endpoints.</summary>
    public async Task<IngestResult> CommitAsync(List<Candidate> candidates, List<Rejection> rejected, IngestContext ctx, CancellationToken ct)
    {
        var accepted = 0;
        var duplicates = 0;
        if (candidates.Count > 0)
        {
            AppendResult result;
            try
            {
                result = await store.AppendAsync(candidates.Select(c => c.Event).ToList(), ct);
            }
            catch (PostgresException e) when (IsDataError(e))
            {
                // Something in the batch passed our checks but not PostgreSQL's. Find it by appending one at a
                // time (rare; the batch was rolled back), so the others are still stored.
                LogIsolating(logger, e.SqlState, e.MessageText);
                return await CommitOneByOneAsync(candidates, rejected, ctx, ct);
            }
            if (result.Status == AppendStatus.Overloaded) return IngestResult.Overloaded;
            accepted = result.AppendedCount;
            duplicates = result.DuplicateCount;
        }
        await QuarantineStore.AddAsync(dataSource, ctx.Source.Id, ctx.Path, ctx.Ip, rejected, ct);
        rejected.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new IngestResult(IngestStatus.Committed, accepted, duplicates, rejected);
    }

    private async Task<IngestResult> CommitOneByOneAsync(List<Candidate> candidates, List<Rejection> rejected, IngestContext ctx, CancellationToken ct)
    {
        var accepted = 0;
        var duplicates = 0;
        foreach (var c in candidates)
        {
            try
            {
                var one = await store.AppendAsync([c.Event], ct);
                if (one.Status == AppendStatus.Overloaded) return IngestResult.Overloaded;
                accepted += one.AppendedCount;
                duplicates += one.DuplicateCount;
            }
            catch (PostgresException e) when (IsDataError(e))
            {
                rejected.Add(new Rejection(c.Index, c.MessageId, $"the database refused the message: {e.MessageText}", c.Raw));
            }
        }
        await QuarantineStore.AddAsync(dataSource, ctx.Source.Id, ctx.Path, ctx.Ip, rejected, ct);
        rejected.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new IngestResult(IngestStatus.Committed, accepted, duplicates, rejected);
    }

    /// <summary>Class 22 (data exception) and 54 (program limit, e.g. an index row too large): the data, not the server.</summary>
    internal static bool IsDataError(PostgresException e) => e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("54", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not normalise message {Index} from source {Source}; quarantined")]
    private static partial void LogNormalizeFailed(ILogger logger, Exception e, string source, int index);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database refused a batch ({SqlState}: {Error}); appending its events one by one")]
    private static partial void LogIsolating(ILogger logger, string sqlState, string error);
}

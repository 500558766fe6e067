namespace Warehouse.EventStore;

/// <summary>One caller's AppendAsync, waiting in the group-commit queue until a writer transaction carries it.</summary>
internal sealed class PendingAppend(IReadOnlyList<NewEvent> events, CancellationToken callerToken)
{
    private readonly TaskCompletionSource<AppendResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<NewEvent> Events { get; } = events;
    public CancellationToken CallerToken { get; } = callerToken;
    public Task<AppendResult> Task => _completion.Task;

    public void Succeed(ReadOnlySpan<AppendedEvent> results) =>
        _completion.TrySetResult(new AppendResult(AppendStatus.Committed, results.ToArray()));

    public void Fail(Exception e) => _completion.TrySetException(e);

    public void Cancel() => _completion.TrySetCanceled(CallerToken);
}

using System.Net;
using System.Net.Http.Headers;

namespace Warehouse.Simulation.Sending;

/// <summary>
/// What a Segment SDK does (tracker-formats.md §1.9): 429 and 5xx (except 501/505) and network errors are
/// retried, honouring Retry-After (capped), else with exponential backoff; any other 4xx means the data is
/// wrong and is never resent.
/// </summary>
internal static class RetryPolicy
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout
        || ((int)status >= 500 && status is not (HttpStatusCode.NotImplemented or HttpStatusCode.HttpVersionNotSupported));

    public static TimeSpan Delay(int attempt, RetryConditionHeaderValue? retryAfter, DateTimeOffset now)
    {
        if (retryAfter?.Delta is { } delta) return Clamp(delta);
        if (retryAfter?.Date is { } date) return Clamp(date - now);
        return Clamp(TimeSpan.FromMilliseconds(250 * Math.Pow(2, Math.Min(attempt, 8))));
    }

    private static TimeSpan Clamp(TimeSpan t) => t < TimeSpan.Zero ? TimeSpan.Zero : t > MaxWait ? MaxWait : t;
}

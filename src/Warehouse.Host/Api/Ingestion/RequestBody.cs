using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http.Features;

namespace Warehouse.Host.Api.Ingestion;

/// <summary>A request body read into a pooled buffer; dispose to return the buffer.</summary>
internal sealed class RequestBody(byte[] buffer, int length) : IDisposable
{
    public ReadOnlyMemory<byte> Bytes => buffer.AsMemory(0, length);
    public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);

    /// <summary>
    /// Reads the body whatever its Content-Type, inflating gzip, deflate or br, and stops as soon as
    /// <paramref name="limit"/> decompressed bytes are passed, so a small bomb is never inflated whole.
    /// </summary>
    public static async Task<(RequestBody? Body, IngestionError? Error)> ReadAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        var compressed = encoding is not ("" or "identity");
        if (!compressed && request.ContentLength > limit) return (null, IngestionError.TooLarge(request.ContentLength.Value, limit));

        // Compressed bodies may not be larger than what they inflate to, give or take framing.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit + limit / 8 + 4096;

        Stream stream;
        switch (encoding)
        {
            case "" or "identity": stream = request.Body; break;
            case "gzip" or "x-gzip": stream = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true); break;
            case "deflate": stream = new ZLibStream(request.Body, CompressionMode.Decompress, leaveOpen: true); break;
            case "br": stream = new BrotliStream(request.Body, CompressionMode.Decompress, leaveOpen: true); break;
            default:
                return (null, new IngestionError(StatusCodes.Status415UnsupportedMediaType, "unsupported_encoding",
                    $"Content-Encoding '{encoding}' is not supported; send gzip, deflate, br or an uncompressed body."));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, (int)Math.Max(request.ContentLength ?? 0, 4096) + 1));
        var length = 0;
        try
        {
            await using (compressed ? stream : null)
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (length > limit) break;
                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, buffer.Length * 2));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    var read = await stream.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, limit + 1) - length), ct);
                    if (read == 0) break;
                    length += read;
                    if (length > limit) break; // stop inflating here: the rest is never read
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, e switch
            {
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => IngestionError.TooLarge(null, limit),
                InvalidDataException => new IngestionError(StatusCodes.Status400BadRequest, "invalid_encoding",
                    $"The body is not valid {encoding} data: {e.Message}"),
                _ => new IngestionError(StatusCodes.Status400BadRequest, "invalid_body", $"The body could not be read: {e.Message}"),
            });
        }

        if (length > limit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, IngestionError.TooLarge(null, limit));
        }
        return (new RequestBody(buffer, length), null);
    }
}

using System.Text;
using Microsoft.Net.Http.Headers;

namespace Warehouse.Host.Api.Ingestion;

/// <summary>The write key from HTTP Basic auth: the user name, with or without the trailing colon (tracker-formats.md §1.2).</summary>
internal static class WriteKeyAuth
{
    /// <returns>The key, or null when there is no Basic header (Bearer tokens carry the key in the body instead).</returns>
    public static string? FromHeader(HttpRequest request, out bool malformed)
    {
        malformed = false;
        var header = request.Headers[HeaderNames.Authorization].ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        var encoded = header[6..].Trim();
        Span<byte> bytes = stackalloc byte[Math.Min(encoded.Length, 1024)];
        if (encoded.Length > 1024 || !Convert.TryFromBase64String(encoded, bytes, out var written))
        {
            malformed = true;
            return null;
        }
        var text = Encoding.UTF8.GetString(bytes[..written]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var key = (colon < 0 ? text : text[..colon]).Trim();
        return key.Length == 0 ? null : key;
    }
}

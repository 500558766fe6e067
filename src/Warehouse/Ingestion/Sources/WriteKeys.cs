using System.Security.Cryptography;
using System.Text;

namespace Warehouse.Ingestion;

/// <summary>
/// Write keys: 192 random bits, URL-safe, with a recognisable prefix. Only a SHA-256 is stored; a key that
/// random needs no slow hash, because there is nothing to guess from a dictionary.
/// </summary>
public static class WriteKeys
{
    public const string Prefix = "wk_";

    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))
        .Replace('+', '-').Replace('/', '_');

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Enough of the key to tell keys apart in `sources list`, too little to matter.</summary>
    public static string Display(string key) => key.Length <= 9 ? key : key[..9] + "…";
}

using System.Security.Cryptography;
using System.Text;

namespace HostingPanel.Application.ApiKeys;

/// <summary>Makes and hashes API key secrets. Keys are 256-bit random, so one fast hash is enough (no password stretching needed).</summary>
public static class ApiKeySecrets
{
    public const string KeyPrefix = "hp_";

    public static string NewKey() => KeyPrefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string DisplayPrefix(string key) => key.Length <= 11 ? key : key[..11];

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

using System.Security.Cryptography;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Options;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Dkim;

/// <summary>
/// Encrypts DKIM private keys at rest with AES-256-GCM under a key file of this node,
/// <c>{DataDirectory}/dkim/master.key</c> (32 random bytes, created once, readable by the owner only). A copy of the
/// engine's database alone does not reveal the keys; nodes that share one database need the same key file.
/// </summary>
public sealed class DkimKeyProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly Lazy<byte[]> _key;

    public DkimKeyProtector(IOptions<MailStorageOptions> storage)
    {
        var path = Path.Combine(storage.Value.DataDirectory, "dkim", "master.key");
        _key = new Lazy<byte[]>(() => SecretKeyFile.LoadOrCreate(path));
    }

    public string Protect(byte[] plain)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[TagSize];
        using (var aes = new AesGcm(_key.Value, TagSize))
            aes.Encrypt(nonce, plain, cipher, tag);
        return Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    public byte[] Unprotect(string stored)
    {
        var bytes = Convert.FromBase64String(stored);
        var plain = new byte[bytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key.Value, TagSize);
        aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize + TagSize), bytes.AsSpan(NonceSize, TagSize), plain);
        return plain;
    }
}

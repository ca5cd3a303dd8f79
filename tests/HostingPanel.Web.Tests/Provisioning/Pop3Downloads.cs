using HostingPanel.MailEngine.Storage;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>A POP3 program as the tests need one (MailKit over the engine's real POP3 port), and the passing of days.</summary>
internal static class Pop3Downloads
{
    /// <summary>
    /// Downloads every message (RETR) and deletes the first <paramref name="delete"/> of them (DELE), then QUIT:
    /// <c>delete: 0</c> is "leave a copy on the server".
    /// </summary>
    public static async Task DownloadAsync(int port, string address, string password, int delete, CancellationToken ct)
    {
        using var client = new Pop3Client { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None, ct);
        await client.AuthenticateAsync(address, password, ct);
        for (var i = 0; i < client.Count; i++)
            await client.GetMessageAsync(i, ct);
        for (var i = 0; i < delete; i++)
            await client.DeleteMessageAsync(i, ct);
        await client.DisconnectAsync(true, ct);
    }

    /// <summary>
    /// As if the POP3 program's first download of the mailbox's kept mail was <paramref name="days"/> days ago: the
    /// engine's record of it is moved back (the product's own clock keeps running, so sessions and keys stay valid).
    /// </summary>
    public static async Task FirstDownloadedDaysAgoAsync(IServiceProvider services, string address, int days, CancellationToken ct)
    {
        var db = services.GetRequiredService<EngineDatabase>();
        var at = DateTimeOffset.UtcNow.AddDays(-days).ToUnixTimeMilliseconds();
        var rows = await db.WriteAsync(async (c, tx) =>
        {
            await using var command = c.CreateCommand();
            command.Transaction = tx;
            command.CommandText = """
                UPDATE messages SET pop3_retrieved_at = @t
                WHERE pop3_retrieved_at IS NOT NULL AND mailbox_id = (SELECT id FROM mailboxes WHERE address = @a)
                """;
            foreach (var (name, value) in new (string, object)[] { ("@t", at), ("@a", address.ToLowerInvariant()) })
            {
                var p = command.CreateParameter();
                p.ParameterName = name;
                p.Value = value;
                command.Parameters.Add(p);
            }
            return await command.ExecuteNonQueryAsync(ct);
        }, ct);
        Assert.True(rows > 0, $"{address} has no mail downloaded by POP3");
    }
}

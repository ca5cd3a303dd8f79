using System.Net;
using System.Text;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Protocol.ManageSieve;

namespace HostingPanel.MailEngine.Sessions.ManageSieve;

/// <summary>AUTHENTICATE "PLAIN" (RFC 5804 section 2.1, RFC 4616), with the engine's one login check.</summary>
internal static class ManageSieveAuthenticateHandler
{
    public static async Task AuthenticateAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        const string usage = "<mechanism: string> [<initial response: string>]";
        var mechanism = args.String(0, usage);
        if (args.Count > 2)
            throw new ManageSieveUsageException("usage: AUTHENTICATE " + usage);
        if (!session.PlaintextAllowed)
        {
            await session.WriteAsync(ManageSieveReplies.No("Authentication requires TLS: use STARTTLS first", "ENCRYPT-NEEDED"));
            return;
        }
        if (!mechanism.Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            await session.WriteAsync(ManageSieveReplies.No("Unsupported mechanism (PLAIN only)"));
            return;
        }
        if (args.Count == 2)
        {
            await CompleteAsync(session, args.String(1, usage));
            return;
        }
        // RFC 5804 section 2.1: an empty challenge, then the client's response as a string.
        await session.WriteAsync(ManageSieveReplies.String("") + "\r\n");
        session.AwaitSaslResponse(response => CompleteAsync(session, response));
    }

    private static async Task CompleteAsync(ManageSieveSession session, string response)
    {
        if (response == "*")
        {
            await session.WriteAsync(ManageSieveReplies.No("Authentication cancelled"));
            return;
        }
        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(response);
        }
        catch (FormatException)
        {
            await session.WriteAsync(ManageSieveReplies.No("Malformed SASL response"));
            return;
        }
        // authzid NUL authcid NUL passwd
        var parts = Encoding.UTF8.GetString(decoded).Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[0].Length > 0 && !parts[0].Equals(parts[1], StringComparison.OrdinalIgnoreCase))
        {
            await session.WriteAsync(ManageSieveReplies.No("Malformed SASL PLAIN response (or authorization as another user)"));
            return;
        }
        var result = await session.Services.Authenticator.AuthenticateAsync(parts[1], parts[2], session.Remote, MailProtocol.ManageSieve, session.Stopping);
        if (!result.Succeeded)
        {
            var (code, text) = result.Failure switch
            {
                AuthFailure.Throttled => ("TRYLATER", "Too many failed logins, try again later"),
                AuthFailure.Disabled or AuthFailure.ProtocolDisabled => ((string?)null, "Account disabled"),
                _ => (null, "Authentication failed"),
            };
            await session.WriteAsync(ManageSieveReplies.No(text, code));
            return;
        }
        session.Authenticated(result.Account!);
        await session.WriteAsync(ManageSieveReplies.Ok("Logged in"));
    }
}

using HostingPanel.MailEngine.Protocol.ManageSieve;

namespace HostingPanel.MailEngine.Sessions.ManageSieve;

/// <summary>CAPABILITY, NOOP, LOGOUT, STARTTLS and UNAUTHENTICATE (RFC 5804 sections 2.4, 2.14, 2.3, 2.2, 2.14.1).</summary>
internal static class ManageSieveSessionHandlers
{
    public static async Task CapabilityAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        args.Expect(0, "");
        await session.WriteAsync(session.Capabilities() + ManageSieveReplies.Ok());
    }

    /// <summary>RFC 5804 section 2.14: the optional tag comes back as (TAG ...).</summary>
    public static Task NoopAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        if (args.Count == 0)
            return session.WriteAsync(ManageSieveReplies.Ok("Done"));
        var tag = args.String(0, "[tag: string]");
        return session.WriteAsync(ManageSieveReplies.Ok("Done", "TAG " + ManageSieveReplies.String(tag)));
    }

    public static async Task LogoutAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        await session.WriteAsync(ManageSieveReplies.Ok("Logout completed"));
        session.Close();
    }

    /// <summary>
    /// RFC 5804 section 2.14.1: back to the non-authenticated state, as if the connection were new, except that
    /// TLS stays on (there is no SASL security layer to end with PLAIN). The count of bad commands stays too:
    /// logging in again must not buy a client a fresh allowance.
    /// </summary>
    public static async Task UnauthenticateAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        args.Expect(0, "");
        session.Unauthenticated();
        await session.WriteAsync(ManageSieveReplies.Ok("Unauthenticated"));
    }

    public static async Task StartTlsAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        args.Expect(0, "");
        if (session.IsTls)
        {
            await session.WriteAsync(ManageSieveReplies.No("TLS is already active"));
            return;
        }
        await session.WriteAsync(ManageSieveReplies.Ok("Begin TLS negotiation now"));
        session.RequestStartTls();
    }
}

using HostingPanel.MailEngine.Protocol.ManageSieve;

namespace HostingPanel.MailEngine.Sessions.ManageSieve;

/// <summary>CAPABILITY, NOOP, LOGOUT and STARTTLS (RFC 5804 sections 2.4, 2.2, 2.3, 2.2).</summary>
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

namespace HostingPanel.MailEngine.Sessions.ManageSieve;

/// <summary>Which commands each state allows (RFC 5804 section 2): the state table as data.</summary>
internal static class ManageSieveCommandTable
{
    [Flags]
    public enum States { NotAuthenticated = 1, Authenticated = 2, Any = NotAuthenticated | Authenticated }

    private static readonly Dictionary<string, (States Allowed, Func<ManageSieveSession, ManageSieveArgs, Task> Handler)> Commands = new()
    {
        ["CAPABILITY"] = (States.Any, ManageSieveSessionHandlers.CapabilityAsync),
        ["LOGOUT"] = (States.Any, ManageSieveSessionHandlers.LogoutAsync),
        ["NOOP"] = (States.Any, ManageSieveSessionHandlers.NoopAsync),
        ["STARTTLS"] = (States.NotAuthenticated, ManageSieveSessionHandlers.StartTlsAsync),
        ["AUTHENTICATE"] = (States.NotAuthenticated, ManageSieveAuthenticateHandler.AuthenticateAsync),
        ["UNAUTHENTICATE"] = (States.Authenticated, ManageSieveSessionHandlers.UnauthenticateAsync),
        ["HAVESPACE"] = (States.Authenticated, ManageSieveScriptHandlers.HaveSpaceAsync),
        ["PUTSCRIPT"] = (States.Authenticated, ManageSieveScriptHandlers.PutScriptAsync),
        ["CHECKSCRIPT"] = (States.Authenticated, ManageSieveScriptHandlers.CheckScriptAsync),
        ["LISTSCRIPTS"] = (States.Authenticated, ManageSieveScriptHandlers.ListScriptsAsync),
        ["SETACTIVE"] = (States.Authenticated, ManageSieveScriptHandlers.SetActiveAsync),
        ["GETSCRIPT"] = (States.Authenticated, ManageSieveScriptHandlers.GetScriptAsync),
        ["DELETESCRIPT"] = (States.Authenticated, ManageSieveScriptHandlers.DeleteScriptAsync),
        ["RENAMESCRIPT"] = (States.Authenticated, ManageSieveScriptHandlers.RenameScriptAsync),
    };

    public static bool TryGet(string name, out States allowed, out Func<ManageSieveSession, ManageSieveArgs, Task> handler)
    {
        if (Commands.TryGetValue(name, out var entry))
        {
            (allowed, handler) = entry;
            return true;
        }
        allowed = default;
        handler = null!;
        return false;
    }
}

using System.Text;
using HostingPanel.MailEngine.Protocol.ManageSieve;
using HostingPanel.MailEngine.Sieve;

namespace HostingPanel.MailEngine.Sessions.ManageSieve;

/// <summary>The script commands of RFC 5804 sections 2.3 and 2.5-2.12, one method each.</summary>
internal static class ManageSieveScriptHandlers
{
    public static async Task HaveSpaceAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        const string usage = "<name: string> <size: number>";
        args.Expect(2, usage);
        var status = await session.Services.Scripts.HaveSpaceAsync(session.MailboxId, args.String(0, usage), args.Number(1, usage), session.Stopping);
        await session.WriteAsync(Reply(status, session.Services.Scripts.Options));
    }

    public static async Task PutScriptAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        const string usage = "<name: string> <script: string>";
        args.Expect(2, usage);
        var name = args.String(0, usage);
        var script = args.String(1, usage);
        var (error, warnings) = await CheckAsync(session, name, script);
        if (error is not null)
        {
            await session.WriteAsync(ManageSieveReplies.No(error));
            return;
        }
        var status = await session.Services.Scripts.PutAsync(session.MailboxId, name, script, session.Stopping);
        await session.WriteAsync(status == SieveStoreStatus.Ok && warnings.Count > 0 ? Warnings(warnings) : Reply(status, session.Services.Scripts.Options));
    }

    /// <summary>RFC 5804 section 2.12: validate without storing; errors name their line.</summary>
    public static async Task CheckScriptAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        const string usage = "<script: string>";
        args.Expect(1, usage);
        var (error, warnings) = await CheckAsync(session, null, args.String(0, usage));
        await session.WriteAsync(error is not null ? ManageSieveReplies.No(error) : warnings.Count > 0 ? Warnings(warnings) : ManageSieveReplies.Ok());
    }

    /// <summary>RFC 5804 section 1.3: OK with the WARNINGS code, one warning per line of the text.</summary>
    private static string Warnings(List<string> warnings) => ManageSieveReplies.Ok(string.Join("\n", warnings), "WARNINGS");

    public static async Task ListScriptsAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        args.Expect(0, "");
        var sb = new StringBuilder();
        foreach (var script in await session.Services.Scripts.ListAsync(session.MailboxId, session.Stopping))
            sb.Append(ManageSieveReplies.String(script.Name)).Append(script.Active ? " ACTIVE\r\n" : "\r\n");
        await session.WriteAsync(sb + ManageSieveReplies.Ok());
    }

    public static async Task SetActiveAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        const string usage = "<name: string>";
        args.Expect(1, usage);
        var status = await session.Services.Scripts.SetActiveAsync(session.MailboxId, args.String(0, usage), session.Stopping);
        await session.WriteAsync(Reply(status, session.Services.Scripts.Options));
    }

    public static async Task GetScriptAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        const string usage = "<name: string>";
        args.Expect(1, usage);
        var content = await session.Services.Scripts.GetAsync(session.MailboxId, args.String(0, usage), session.Stopping);
        if (content is null)
        {
            await session.WriteAsync(ManageSieveReplies.No("There is no script by that name", "NONEXISTENT"));
            return;
        }
        // RFC 5804 section 2.9: the script is always a literal.
        await session.WriteAsync("{" + Encoding.UTF8.GetByteCount(content) + "}\r\n" + content + "\r\n" + ManageSieveReplies.Ok());
    }

    public static async Task DeleteScriptAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        const string usage = "<name: string>";
        args.Expect(1, usage);
        var status = await session.Services.Scripts.DeleteAsync(session.MailboxId, args.String(0, usage), session.Stopping);
        await session.WriteAsync(Reply(status, session.Services.Scripts.Options));
    }

    public static async Task RenameScriptAsync(ManageSieveSession session, ManageSieveArgs args)
    {
        const string usage = "<old name: string> <new name: string>";
        args.Expect(2, usage);
        var status = await session.Services.Scripts.RenameAsync(session.MailboxId, args.String(0, usage), args.String(1, usage), session.Stopping);
        await session.WriteAsync(Reply(status, session.Services.Scripts.Options));
    }

    /// <summary>Compiles, then checks includes against the account's scripts (RFC 6609: loops are errors, missing scripts warnings).</summary>
    private static async Task<(string? Error, List<string> Warnings)> CheckAsync(ManageSieveSession session, string? name, string source)
    {
        SieveScript script;
        try
        {
            script = SieveScript.Compile(source);
        }
        catch (SieveCompileException e)
        {
            return (e.Message, []);
        }
        return await session.Services.Scripts.CheckIncludesAsync(session.MailboxId, name, script, session.Stopping);
    }

    private static string Reply(SieveStoreStatus status, SieveOptions options) => status switch
    {
        SieveStoreStatus.Ok => ManageSieveReplies.Ok(),
        SieveStoreStatus.NotFound => ManageSieveReplies.No("There is no script by that name", "NONEXISTENT"),
        SieveStoreStatus.AlreadyExists => ManageSieveReplies.No("A script by that name already exists", "ALREADYEXISTS"),
        SieveStoreStatus.Active => ManageSieveReplies.No("The active script cannot be deleted", "ACTIVE"),
        SieveStoreStatus.TooManyScripts => ManageSieveReplies.No($"At most {options.MaxScripts} scripts", "QUOTA/MAXSCRIPTS"),
        SieveStoreStatus.TooLarge => ManageSieveReplies.No($"Scripts are limited to {options.MaxScriptSize} bytes each and {options.MaxStorage} together", "QUOTA/MAXSIZE"),
        _ => ManageSieveReplies.No("Invalid script name"),
    };
}

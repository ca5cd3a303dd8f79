using HostingPanel.MailEngine.Directory;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>The <see cref="IMailFilterAdmin"/> of this engine: forms and raw scripts into the script store.</summary>
public sealed class SieveFilterAdmin(MailDirectory directory, SieveScriptStore scripts, SieveVacationLog vacations, TimeProvider time) : IMailFilterAdmin
{
    public async Task<MailFilterState?> GetAsync(string address, CancellationToken ct = default)
    {
        var mailbox = await directory.FindMailboxAsync(address, ct);
        if (mailbox is null)
            return null;
        var active = await scripts.GetActiveAsync(mailbox.Id, ct);
        if (active is not { } a)
        {
            // Forms saved while a hand-written script was active, then the script switched off: show the forms' last state.
            var own = await scripts.GetAsync(mailbox.Id, SieveFilterScript.ScriptName, ct);
            return new MailFilterState(own is null ? null : SieveFilterScript.ReadSettings(own), null, null, false);
        }
        var settings = SieveFilterScript.ReadSettings(a.Content);
        var vacationActive = settings is not null ? IsActiveNow(settings.Vacation) : UsesVacation(a.Content);
        return new MailFilterState(settings, a.Content, a.Name, vacationActive);
    }

    private bool IsActiveNow(VacationSettings v)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return v.Enabled && (v.Start is null || v.Start <= today) && (v.End is null || v.End >= today);
    }

    private static bool UsesVacation(string script)
    {
        try
        {
            return SieveScript.Compile(script).Extensions.Contains("vacation");
        }
        catch (SieveCompileException)
        {
            return false;
        }
    }

    public async Task<MailFilterResult> SaveAsync(string address, MailFilterSettings settings, CancellationToken ct = default)
    {
        var errors = SieveFilterScript.Validate(settings);
        if (errors.Count > 0)
            return new MailFilterResult(errors);
        var mailbox = await directory.FindMailboxAsync(address, ct);
        if (mailbox is null)
            return MailFilterResult.Error("address", "No such mailbox.");
        var script = SieveFilterScript.Generate(settings);
        // The generator only writes what the interpreter accepts; checked anyway so a bug cannot store a broken script.
        if (Check(script) is { } error)
            return MailFilterResult.Error("script", error);
        var previous = await scripts.GetAsync(mailbox.Id, SieveFilterScript.ScriptName, ct);
        var stored = await scripts.PutAsync(mailbox.Id, SieveFilterScript.ScriptName, script, ct);
        if (stored != SieveStoreStatus.Ok)
            return MailFilterResult.Error("script", "The mailbox's script storage is full (" + stored + ").");
        await scripts.SetActiveAsync(mailbox.Id, SieveFilterScript.ScriptName, ct);
        // A new reply text starts afresh: senders answered under the old one hear the new one (RFC 5230 section 4.2's handle does the same).
        if (previous is null || !SameReply(SieveFilterScript.ReadSettings(previous)?.Vacation, settings.Vacation))
            await vacations.ResetAsync(mailbox.Id, ct);
        return MailFilterResult.Ok;
    }

    private static bool SameReply(VacationSettings? a, VacationSettings b) =>
        a is not null && a.Enabled == b.Enabled && a.Subject == b.Subject && a.Text == b.Text && a.Days == b.Days && a.Addresses.SequenceEqual(b.Addresses);

    public async Task<MailFilterResult> SaveScriptAsync(string address, string script, CancellationToken ct = default)
    {
        if (Check(script) is { } error)
            return MailFilterResult.Error("script", error);
        var mailbox = await directory.FindMailboxAsync(address, ct);
        if (mailbox is null)
            return MailFilterResult.Error("address", "No such mailbox.");
        var stored = await scripts.PutAsync(mailbox.Id, SieveFilterScript.ScriptName, script, ct);
        if (stored != SieveStoreStatus.Ok)
            return MailFilterResult.Error("script", stored == SieveStoreStatus.TooLarge
                ? $"The script is larger than {scripts.Options.MaxScriptSize} bytes." : "The mailbox's script storage is full.");
        await scripts.SetActiveAsync(mailbox.Id, SieveFilterScript.ScriptName, ct);
        return MailFilterResult.Ok;
    }

    public string? Check(string script)
    {
        try
        {
            SieveScript.Compile(script);
            return null;
        }
        catch (SieveCompileException e)
        {
            return e.Message;
        }
    }

    public async Task<bool> SwitchOffVacationAsync(string address, CancellationToken ct = default)
    {
        var mailbox = await directory.FindMailboxAsync(address, ct);
        if (mailbox is null)
            return false;
        var active = await scripts.GetActiveAsync(mailbox.Id, ct);
        if (active is not { } a)
            return true;
        var settings = SieveFilterScript.ReadSettings(a.Content);
        if (settings is not null)
        {
            if (settings.Vacation.Enabled)
                await SaveAsync(address, settings with { Vacation = settings.Vacation with { Enabled = false } }, ct);
        }
        else if (UsesVacation(a.Content))
        {
            await scripts.SetActiveAsync(mailbox.Id, "", ct);
        }
        return true;
    }
}

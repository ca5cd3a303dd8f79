using HostingPanel.MailEngine.Sieve;

namespace HostingPanel.Web.Hosting;

/// <summary>
/// The stand-in on a node without the Mail role: filters live in the engine's tables, which this node does
/// not open. Reading shows nothing; changing says so (the portal pages of the Mail node do it).
/// </summary>
public sealed class UnavailableMailFilterAdmin : IMailFilterAdmin
{
    private static readonly MailFilterResult Unavailable =
        MailFilterResult.Error("", "Mail filters are managed on the node that runs the mail engine (Roles=...,Mail).");

    public Task<MailFilterState?> GetAsync(string address, CancellationToken ct = default) => Task.FromResult<MailFilterState?>(null);
    public Task<MailFilterResult> SaveAsync(string address, MailFilterSettings settings, CancellationToken ct = default) => Task.FromResult(Unavailable);
    public Task<MailFilterResult> SaveScriptAsync(string address, string script, CancellationToken ct = default) => Task.FromResult(Unavailable);
    public string? Check(string script) => SieveFilterCheck(script);
    public Task<bool> SwitchOffVacationAsync(string address, CancellationToken ct = default) => Task.FromResult(false);

    private static string? SieveFilterCheck(string script)
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
}

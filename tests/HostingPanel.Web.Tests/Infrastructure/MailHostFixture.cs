using HostingPanel.Application.Common;
using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Infrastructure;

/// <summary>The whole product in one process (portal, API, worker, mail engine), as `dotnet run` starts it, on free ports.</summary>
public class MailHostFixture : PanelHostFixture
{
    public MailHostFixture() : base(TestProvider.Sqlite) { }

    protected MailHostFixture(TestProvider provider) : base(provider) { }

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings()
    {
        yield return new("Roles", "Portal,Worker,Mail");
        yield return new("Mail:Hostname", "mail.test");
        yield return new("Mail:AllowPlaintextAuth", "true");
        yield return new("Mail:Auth:FailureDelay", "00:00:00");
        yield return new("Provisioning:PollInterval", "00:00:01");
        // Tests run reconciliation themselves, at known moments.
        yield return new("Provisioning:ReconcileStartDelay", "01:00:00");
        // -1: the OS picks a free port at bind time; Port() reads it back from the engine.
        foreach (var key in ProductProcess.EveryMailListener.Split(','))
            yield return new($"Mail:{key}:Port", "-1");
    }

    public int Port(string listener) => App.Services.GetRequiredService<IMailListenerRegistry>().GetPort(listener)
        ?? throw new InvalidOperationException($"listener {listener} is not running");

    /// <summary>A DI scope acting as <paramref name="actor"/> (default: an admin), for setting up data through the services.</summary>
    public AsyncServiceScope As(Actor? actor = null)
    {
        var scope = App.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IActorOverride>().Use(actor ?? new Actor("test-admin", "admin@example.com", Roles.Admin));
        return scope;
    }
}

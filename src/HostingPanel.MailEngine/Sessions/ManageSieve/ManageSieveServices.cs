using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Sieve;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Sessions.ManageSieve;

/// <summary>Everything a ManageSieve session needs, shared by all sessions.</summary>
internal sealed record ManageSieveServices(
    MailAuthenticator Authenticator,
    SieveScriptStore Scripts,
    MailTlsCertificate Tls,
    MailEngineOptions Options,
    ILogger Logger,
    Storage.MailboxChangeNotifier Changes);

using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Maintenance;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>Everything a POP3 session needs, shared by all sessions.</summary>
internal sealed record Pop3Services(
    MailAuthenticator Authenticator,
    MailStore Store,
    Pop3MaildropLocks Locks,
    Pop3Retention Retention,
    MailTlsCertificate Tls,
    MailEngineOptions Options,
    ILogger Logger);

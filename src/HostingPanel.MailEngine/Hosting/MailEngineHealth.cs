using System.Security.Cryptography.X509Certificates;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Hosting;

/// <summary>The certificate every mail listener presents, as an operator needs to judge it.</summary>
public sealed record MailCertificateStatus(string Subject, DateTimeOffset NotAfter, bool SelfSigned);

/// <summary>
/// The engine's health, part of its public surface: each probe either returns or throws with the reason.
/// The host turns them into readiness checks; nothing here decides what is fatal.
/// </summary>
public sealed class MailEngineHealth(
    EngineDatabase database, BodyStore bodies, IMailListenerRegistry listeners, OutboundQueue queue, MailTlsCertificate tls,
    IOptions<MailEngineOptions> options)
{
    /// <summary>The engine database answers a read of its schema version on a fresh connection.</summary>
    public Task ProbeDatabaseAsync(CancellationToken ct = default) => database.ProbeAsync(ct);

    /// <summary>A small file can be written and fsynced where message bodies go.</summary>
    public Task ProbeStoreAsync(CancellationToken ct = default) => bodies.ProbeWritableAsync(ct);

    /// <summary>Every listener enabled in configuration (port not 0), by the name the registry uses.</summary>
    public IReadOnlyList<string> ConfiguredListeners()
    {
        var o = options.Value;
        return new (string Name, int Port)[]
            {
                ("imap", o.Imap.Port), ("imaps", o.Imaps.Port), ("pop3", o.Pop3.Port), ("pop3s", o.Pop3s.Port),
                ("smtp", o.Smtp.Port), ("submission", o.Submission.Port), ("submissions", o.Submissions.Port),
            }
            .Where(l => l.Port != 0).Select(l => l.Name).ToList();
    }

    /// <summary>Configured listeners that hold no bound socket now (not started, or stopped).</summary>
    public IReadOnlyList<string> UnboundListeners() =>
        ConfiguredListeners().Where(name => listeners.GetPort(name) is null).ToList();

    public IReadOnlyDictionary<string, System.Net.IPEndPoint> BoundListeners => listeners.EndPoints;

    public Task<QueueStatistics> QueueAsync(CancellationToken ct = default) => queue.StatisticsAsync(ct);

    public MailCertificateStatus Certificate()
    {
        var certificate = tls.Certificate;
        return new MailCertificateStatus(certificate.GetNameInfo(X509NameType.DnsName, false), new DateTimeOffset(certificate.NotAfter.ToUniversalTime()),
            certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData));
    }
}

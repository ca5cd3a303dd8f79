using System.Security.Cryptography;
using System.Text;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Options;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Outbound.Srs;

/// <summary>
/// Applies SRS where the engine forwards (mailbox forwards, aliases to outside addresses, Sieve redirect) and undoes it
/// where bounces come back (the MX listener, the bounce sender). A sender in a domain hosted here is left alone: this
/// server is in that domain's SPF record already, and rewriting it would only make its bounces longer.
/// </summary>
public sealed class SrsRewriter
{
    private readonly SrsOptions _options;
    private readonly MailDirectory _directory;
    private readonly TimeProvider _time;
    private readonly Lazy<SrsAddress> _scheme;

    public SrsRewriter(IOptions<SrsOptions> options, IOptions<MailStorageOptions> storage, MailDirectory directory, TimeProvider time)
    {
        _options = options.Value;
        _directory = directory;
        _time = time;
        var path = Path.Combine(storage.Value.DataDirectory, "srs", "secret.key");
        _scheme = new Lazy<SrsAddress>(() => new SrsAddress(
            _options.Secret is { Length: > 0 } configured ? Encoding.UTF8.GetBytes(configured) : SecretKeyFile.LoadOrCreate(path), _options.MaxAgeDays));
    }

    /// <summary>
    /// The envelope sender for a copy that <paramref name="forwarder"/> (an address hosted here) sends on to the outside:
    /// SRS at the forwarder's domain, or <paramref name="sender"/> unchanged when it is null, hosted here, or SRS is off.
    /// </summary>
    public async Task<string> ForwardSenderAsync(string sender, string forwarder, CancellationToken ct = default)
    {
        if (!_options.Enabled || sender.Length == 0 || sender.LastIndexOf('@') <= 0)
            return sender;
        var senderDomain = MailDirectory.DomainOf(sender);
        var forwarderDomain = MailDirectory.DomainOf(forwarder);
        if (string.Equals(senderDomain, forwarderDomain, StringComparison.OrdinalIgnoreCase) || await _directory.IsHostedDomainAsync(senderDomain, ct))
            return sender;
        return _scheme.Value.Forward(sender, forwarderDomain, _time.GetUtcNow());
    }

    /// <summary>
    /// For an address in a domain hosted here: <see cref="SrsReverseStatus.NotSrs"/> when it is an ordinary address, else
    /// where a bounce to it goes or why it is refused. Reversed even when SRS is switched off, so bounces to
    /// addresses given out before still find their way.
    /// </summary>
    public SrsReverseResult Reverse(string address) => SrsAddress.IsSrs(address)
        ? _scheme.Value.Reverse(address, _time.GetUtcNow())
        : new SrsReverseResult(SrsReverseStatus.NotSrs, null);
}

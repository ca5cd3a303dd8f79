using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Webmail;

/// <summary>
/// Issue 16.9: webmail requests one mailbox may have running at once (<c>Webmail:MaxConcurrentRequestsPerMailbox</c>).
/// A browser needs a few (the page, the message frame, the list refresh); a script hammering one session would
/// otherwise take every pooled IMAP connection and a share of the process's threads from everyone else. Beyond the
/// cap a request is answered 429 at once, never queued. The long-lived event stream is not counted.
/// </summary>
public sealed class WebmailRequestSlots(IOptions<WebmailOptions> options)
{
    private readonly int _max = Math.Max(1, options.Value.MaxConcurrentRequestsPerMailbox);
    private readonly Dictionary<Guid, int> _running = [];

    public int Max => _max;

    /// <summary>Requests of <paramref name="mailboxId"/> running now.</summary>
    public int Running(Guid mailboxId)
    {
        lock (_running)
            return _running.GetValueOrDefault(mailboxId);
    }

    /// <summary>Takes a slot for <paramref name="mailboxId"/>; false when all of its slots are taken.</summary>
    public bool TryEnter(Guid mailboxId)
    {
        lock (_running)
        {
            var running = _running.GetValueOrDefault(mailboxId);
            if (running >= _max)
                return false;
            _running[mailboxId] = running + 1;
            return true;
        }
    }

    public void Exit(Guid mailboxId)
    {
        lock (_running)
        {
            var running = _running.GetValueOrDefault(mailboxId) - 1;
            if (running <= 0)
                _running.Remove(mailboxId);
            else
                _running[mailboxId] = running;
        }
    }
}

/// <summary>Marks a webmail action that lives as long as the page (the event stream): it takes no request slot.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WebmailLongLivedAttribute : Attribute;

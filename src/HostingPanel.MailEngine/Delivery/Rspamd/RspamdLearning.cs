using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Threading.Channels;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Delivery.Rspamd;

/// <summary>Which way a move teaches rspamd.</summary>
public enum SpamLesson
{
    /// <summary>Moved or copied into Junk: <c>/learnspam</c>.</summary>
    Spam,
    /// <summary>Moved or copied out of Junk (not into Trash): <c>/learnham</c>.</summary>
    Ham,
}

/// <summary>
/// Teaches rspamd from what users do: a message moved or copied into the \Junk folder (RFC 6154) is learnt as spam, one
/// moved out of it into any folder but \Trash as ham (deleting a spam is no sign that it was wanted). IMAP MOVE/COPY and
/// webmail (which moves through the same IMAP commands) both arrive here. The move never waits for rspamd: lessons go
/// into a bounded queue and a background loop posts each message to the controller's <c>/learnspam</c> or
/// <c>/learnham</c>. Each mailbox teaches at most <see cref="RspamdOptions.LearnPerMailboxPerHour"/> messages an hour on
/// this node, so a hostile user cannot flood rspamd or swing the shared Bayes data by moving mail to and fro.
/// </summary>
public sealed class RspamdLearning : BackgroundService
{
    private readonly RspamdOptions _options;
    private readonly MailStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<RspamdLearning> _logger;
    private readonly Channel<Lesson> _queue;
    private readonly ConcurrentDictionary<long, Budget> _budgets = new();
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private long _learnt, _refused, _skipped, _failed, _waiting;

    private sealed record Lesson(long MailboxId, long FolderId, long Uid, SpamLesson Kind);

    /// <summary>One mailbox's lessons in the current hour.</summary>
    private sealed class Budget
    {
        public DateTimeOffset WindowStart;
        public int Used;
    }

    public RspamdLearning(IOptions<RspamdOptions> options, MailStore store, TimeProvider time, ILogger<RspamdLearning> logger)
    {
        _options = options.Value;
        _store = store;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<Lesson>(new BoundedChannelOptions(Math.Max(1, _options.LearnQueueCapacity))
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });
    }

    public bool Enabled => !string.IsNullOrWhiteSpace(_options.Url) && _options.LearnPerMailboxPerHour > 0;

    /// <summary>Messages rspamd accepted as lessons.</summary>
    public long Learnt => Interlocked.Read(ref _learnt);
    /// <summary>Messages rspamd declined (already learnt that way, too few tokens).</summary>
    public long Refused => Interlocked.Read(ref _refused);
    /// <summary>Lessons not sent: past the mailbox's hourly budget or the queue's capacity.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);
    /// <summary>Lessons rspamd could not be reached for (they are dropped, not retried).</summary>
    public long Failed => Interlocked.Read(ref _failed);
    /// <summary>Lessons queued or being sent.</summary>
    public long Waiting => Interlocked.Read(ref _waiting);

    /// <summary>The lesson of a move or copy between folders with these special-use attributes, or null when it teaches nothing.</summary>
    public static SpamLesson? LessonOf(string? sourceSpecialUse, string? targetSpecialUse)
    {
        var fromJunk = sourceSpecialUse == MailStore.JunkSpecialUse;
        var toJunk = targetSpecialUse == MailStore.JunkSpecialUse;
        if (toJunk && !fromJunk)
            return SpamLesson.Spam;
        if (fromJunk && !toJunk && targetSpecialUse != MailStore.TrashSpecialUse)
            return SpamLesson.Ham;
        return null;
    }

    /// <summary>Queues the lessons of messages now at <paramref name="uids"/> in <paramref name="folderId"/>; never blocks.</summary>
    public void Teach(long mailboxId, long folderId, IReadOnlyList<long> uids, SpamLesson kind)
    {
        if (!Enabled || uids.Count == 0)
            return;
        var allowed = Reserve(mailboxId, uids.Count);
        if (allowed < uids.Count)
        {
            Interlocked.Add(ref _skipped, uids.Count - allowed);
            _logger.LogInformation("Mailbox {MailboxId} is past its {Budget} rspamd lessons an hour: {Count} message(s) not learnt",
                mailboxId, _options.LearnPerMailboxPerHour, uids.Count - allowed);
        }
        for (var i = 0; i < allowed; i++)
        {
            Interlocked.Increment(ref _waiting);
            if (!_queue.Writer.TryWrite(new Lesson(mailboxId, folderId, uids[i], kind)))
            {
                Interlocked.Decrement(ref _waiting);
                Interlocked.Increment(ref _skipped);
            }
        }
    }

    /// <summary>How many of <paramref name="wanted"/> lessons the mailbox may still give this hour (taken from its budget).</summary>
    private int Reserve(long mailboxId, int wanted)
    {
        var now = _time.GetUtcNow();
        var budget = _budgets.GetOrAdd(mailboxId, _ => new Budget { WindowStart = now });
        lock (budget)
        {
            if (now - budget.WindowStart >= TimeSpan.FromHours(1))
            {
                budget.WindowStart = now;
                budget.Used = 0;
            }
            var allowed = Math.Clamp(_options.LearnPerMailboxPerHour - budget.Used, 0, wanted);
            budget.Used += allowed;
            return allowed;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var lesson in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await LearnAsync(lesson, stoppingToken);
                }
                finally
                {
                    Interlocked.Decrement(ref _waiting);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task LearnAsync(Lesson lesson, CancellationToken ct)
    {
        var message = await _store.GetMessageAsync(lesson.FolderId, lesson.Uid, ct);
        if (message is null)
            return; // expunged meanwhile: nothing to teach
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        var baseUrl = string.IsNullOrWhiteSpace(_options.ControllerUrl) ? _options.Url! : _options.ControllerUrl;
        var path = lesson.Kind == SpamLesson.Spam ? "learnspam" : "learnham";
        try
        {
            byte[] body;
            await using (var stream = _store.OpenBody(message))
            using (var buffer = new MemoryStream())
            {
                await stream.CopyToAsync(buffer, timeout.Token);
                body = buffer.ToArray();
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(baseUrl.TrimEnd('/') + "/"), path));
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
            if (!string.IsNullOrEmpty(_options.Password))
                request.Headers.TryAddWithoutValidation("Password", _options.Password);
            using var response = await _http.SendAsync(request, timeout.Token);
            if (response.IsSuccessStatusCode && (int)response.StatusCode != 208)
            {
                Interlocked.Increment(ref _learnt);
                return;
            }
            // 208 "already learnt", 400/404 "too few tokens" and the like: rspamd heard and declined.
            Interlocked.Increment(ref _refused);
            var why = await response.Content.ReadAsStringAsync(timeout.Token);
            _logger.LogInformation("rspamd declined to {Path} message {Uid} of mailbox {MailboxId}: {Status} {Why}", path, lesson.Uid, lesson.MailboxId,
                (int)response.StatusCode, why.Length > 200 ? why[..200] : why);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or FileNotFoundException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            Interlocked.Increment(ref _failed);
            _logger.LogWarning("rspamd at {Url} could not {Path} message {Uid} of mailbox {MailboxId}: {Error}", baseUrl, path, lesson.Uid, lesson.MailboxId,
                e is OperationCanceledException ? "no answer in time" : e.Message);
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}

using HostingPanel.Web.Webmail;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>The sanitized-HTML cache keeps one copy per message and image choice, stays within its memory bound, and can be turned off.</summary>
public sealed class SanitizedHtmlCacheTests
{
    private static SanitizedHtmlCache Cache(int megabytes) => new(Options.Create(new WebmailOptions { HtmlCacheMegabytes = megabytes }));

    private static SanitizedHtmlCache.Key Key(uint uid, bool remote = false, uint uidValidity = 7, string folder = "INBOX", Guid? mailbox = null) =>
        new(mailbox ?? Guid.Parse("11111111-1111-1111-1111-111111111111"), folder, uidValidity, uid, remote);

    [Fact]
    public void AStoredCopy_IsFoundOnlyUnderItsOwnMailboxFolderUidValidityUidAndImageChoice()
    {
        using var cache = Cache(1);
        cache.Add(Key(5), new("<p>five</p>", BlockedRemote: true));
        Assert.Equal(new SanitizedHtmlCache.Entry("<p>five</p>", true), cache.Find(Key(5)));
        Assert.Null(cache.Find(Key(5, remote: true)));
        Assert.Null(cache.Find(Key(5, uidValidity: 8)));
        Assert.Null(cache.Find(Key(5, folder: "Archive")));
        Assert.Null(cache.Find(Key(5, mailbox: Guid.NewGuid())));
        Assert.Null(cache.Find(Key(6)));
    }

    [Fact]
    public void TheMemoryBound_IsKept()
    {
        using var cache = Cache(1);
        var html = new string('x', 200 * 1024); // 400 KB as a .NET string: two fit in 1 MB, three do not
        for (uint uid = 1; uid <= 10; uid++) cache.Add(Key(uid), new(html, false));
        var held = Enumerable.Range(1, 10).Count(uid => cache.Find(Key((uint)uid)) is not null);
        Assert.InRange(held, 1, 2);
        Assert.InRange(cache.Count, 1, 2);

        // One message larger than the whole bound is never kept.
        cache.Add(Key(99), new(new string('y', 600 * 1024), false));
        Assert.Null(cache.Find(Key(99)));
    }

    [Fact]
    public void ZeroMegabytes_TurnsTheCacheOff()
    {
        using var cache = Cache(0);
        cache.Add(Key(1), new("<p>one</p>", false));
        Assert.Null(cache.Find(Key(1)));
        Assert.Equal(0, cache.Count);
    }
}

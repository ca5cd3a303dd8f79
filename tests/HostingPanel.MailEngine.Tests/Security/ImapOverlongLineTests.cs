namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// Issue 16.11: an IMAP command line longer than the limit (64 KiB, <c>ImapLimits.MaxLineLength</c>) whose
/// CRLF never comes used to get no answer at all while the server read on. Dovecot answers BAD at once;
/// so does the engine now, skipping the rest of the line without holding it (bounded by
/// <c>ImapLimits.MaxDiscardSize</c>, past which the connection ends; see ImapCommandReaderTests).
/// </summary>
public sealed class ImapOverlongLineTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LineOverTheLimit_WithoutCrLf_IsAnsweredBad_AtOnce_AndTheSessionGoesOn(bool loggedIn)
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("lit@example.com");
        await using var c = loggedIn ? await ImapLiteralDesyncTests.LoggedInAsync(engine) : await RawLineClient.ConnectAsync(engine.ImapPort);
        if (!loggedIn)
            Assert.StartsWith("* OK", await c.ReadLineAsync());

        await c.SendAsync("a1 SEARCH TEXT " + new string('x', 64 * 1024 + 10));
        // No CRLF was sent: the refusal must come anyway (the generous wait is for a loaded machine, not the rule).
        var refusal = await c.ReadLineAsync(timeoutMs: 30_000);
        Assert.Equal("a1 BAD [LIMIT] Command line too long.", refusal);

        // The rest of the line (another megabyte, then its end) is skipped without a second answer.
        for (var i = 0; i < 16; i++)
            await c.SendAsync(new string('y', 64 * 1024));
        await c.SendAsync("\r\na2 NOOP\r\n");
        var next = await c.ReadUntilTaggedAsync("a2");
        Assert.StartsWith("a2 OK", next.Last());
        Assert.DoesNotContain(next, l => l.Contains("BAD"));

        // And another client is served all along.
        await using var other = await ImapLiteralDesyncTests.LoggedInAsync(engine);
        Assert.StartsWith("n1 OK", (await other.ImapAsync("n1", "NOOP")).Last());
    }
}

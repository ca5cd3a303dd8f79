using System.Text;

namespace HostingPanel.MailEngine.Delivery.Rspamd;

/// <summary>What the MX does with a message after the check.</summary>
public enum SpamDecision
{
    Inbox,
    Junk,
    /// <summary>451 4.7.1: rspamd's "soft reject" or "greylist"; the sender tries again later.</summary>
    TryLater,
    /// <summary>554 5.7.1 at the end of DATA (never accepted and bounced later).</summary>
    Reject,
}

/// <summary>
/// rspamd's answer to <c>/checkv2</c> (<c>action</c>, <c>score</c>, <c>required_score</c>, <c>symbols</c>) and what it
/// means here. The sender's DMARC policy (RFC 7489 section 6.3) is enforced from rspamd's DMARC symbols, since rspamd
/// itself only reports it: <c>DMARC_POLICY_REJECT</c> refuses, <c>DMARC_POLICY_QUARANTINE</c> files into Junk.
/// </summary>
public sealed record RspamdVerdict(string Action, double Score, double RequiredScore, IReadOnlySet<string> Symbols, string? SmtpMessage)
{
    public bool DmarcReject => Symbols.Contains("DMARC_POLICY_REJECT");
    public bool DmarcQuarantine => Symbols.Contains("DMARC_POLICY_QUARANTINE");

    public SpamDecision Decision => Action switch
    {
        "reject" => SpamDecision.Reject,
        _ when DmarcReject => SpamDecision.Reject,
        "soft reject" or "greylist" => SpamDecision.TryLater,
        "add header" or "rewrite subject" => SpamDecision.Junk,
        _ when DmarcQuarantine => SpamDecision.Junk,
        _ => SpamDecision.Inbox,
    };

    /// <summary>Why, for the delivery log and the SMTP reply.</summary>
    public string Reason => Decision switch
    {
        SpamDecision.Reject when Action != "reject" && DmarcReject => "dmarc_reject",
        // The quarantine's own score may have lifted the action to "add header": the policy is still the reason.
        SpamDecision.Junk when DmarcQuarantine => "dmarc_quarantine",
        SpamDecision.Reject => "spam_reject",
        SpamDecision.TryLater => "spam_try_later",
        SpamDecision.Junk => "spam_junk",
        _ => "spam_clean",
    };

    /// <summary>
    /// The trace fields added above the message: <c>Authentication-Results</c> (RFC 8601) from rspamd's SPF, DKIM, DMARC
    /// and ARC symbols, and <c>X-Spam-Status</c> with the score.
    /// </summary>
    public string Headers(string hostname)
    {
        var sb = new StringBuilder();
        sb.Append("Authentication-Results: ").Append(hostname)
            .Append(";\r\n\tspf=").Append(Result(("R_SPF_ALLOW", "pass"), ("R_SPF_FAIL", "fail"), ("R_SPF_SOFTFAIL", "softfail"), ("R_SPF_NEUTRAL", "neutral"),
                ("R_SPF_DNSFAIL", "temperror"), ("R_SPF_PERMFAIL", "permerror")))
            .Append(";\r\n\tdkim=").Append(Result(("R_DKIM_ALLOW", "pass"), ("R_DKIM_REJECT", "fail"), ("R_DKIM_TEMPFAIL", "temperror"), ("R_DKIM_PERMFAIL", "permerror")))
            .Append(";\r\n\tdmarc=").Append(Result(("DMARC_POLICY_ALLOW", "pass"), ("DMARC_POLICY_REJECT", "fail"), ("DMARC_POLICY_QUARANTINE", "fail"),
                ("DMARC_POLICY_SOFTFAIL", "fail"), ("DMARC_BAD_POLICY", "permerror"), ("DMARC_DNSFAIL", "temperror")))
            .Append(";\r\n\tarc=").Append(Result(("ARC_ALLOW", "pass"), ("ARC_REJECT", "fail"), ("ARC_INVALID", "fail"), ("ARC_DNSFAIL", "temperror")))
            .Append("\r\n");
        sb.Append("X-Spam-Status: ").Append(Decision is SpamDecision.Junk ? "Yes" : "No")
            .Append(", score=").Append(Score.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture))
            .Append(" required=").Append(RequiredScore.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture))
            .Append(" action=").Append(Action.Replace(' ', '_')).Append("\r\n");
        return sb.ToString();
    }

    private string Result(params (string Symbol, string Result)[] map)
    {
        foreach (var (symbol, result) in map)
            if (Symbols.Contains(symbol))
                return result;
        return "none";
    }
}

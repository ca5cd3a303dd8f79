using System.Security.Cryptography;
using System.Text;

namespace HostingPanel.MailEngine.Outbound.Srs;

public enum SrsReverseStatus
{
    /// <summary>The address is not in SRS form: nothing to undo.</summary>
    NotSrs,
    Ok,
    /// <summary>SRS form, but the hash does not match: forged or made with another secret.</summary>
    BadHash,
    /// <summary>The timestamp is older than the allowed age.</summary>
    Expired,
    /// <summary>Starts like SRS but cannot be parsed.</summary>
    Malformed,
}

public readonly record struct SrsReverseResult(SrsReverseStatus Status, string? Address);

/// <summary>
/// The Sender Rewriting Scheme in its common form (Shevek's "SRS" paper, as libsrs2 and postsrsd write it):
/// <code>
/// SRS0=HHHH=TT=orig-domain=orig-local@forwarder        rewritten once
/// SRS1=HHHH=first-forwarder==HHHH=TT=domain=local@us   rewriting an SRS0 address again (the rest stays opaque)
/// </code>
/// HHHH is a keyed hash (HMAC-SHA256 here, in base32 so a case-folding relay cannot break it), TT the day
/// (days since 1970 modulo 1024, two base32 characters). A bounce to SRS0 goes back to orig-local@orig-domain
/// if the hash matches and the day is recent; a bounce to SRS1 goes to the first forwarder's SRS0 address.
/// </summary>
public sealed class SrsAddress(byte[] secret, int maxAgeDays)
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const int HashLength = 6; // 30 bits
    private const int DayModulus = 1024; // two base32 characters

    /// <summary>Whether the local part starts like an SRS address (SRS0 or SRS1, any separator libsrs2 accepts).</summary>
    public static bool IsSrs(string address)
    {
        var local = address.AsSpan(0, Math.Max(0, address.LastIndexOf('@')));
        return local.Length >= 5 && (local.StartsWith("SRS0", StringComparison.OrdinalIgnoreCase) || local.StartsWith("SRS1", StringComparison.OrdinalIgnoreCase))
            && local[4] is '=' or '-' or '+';
    }

    /// <summary>The envelope sender <paramref name="sender"/> rewritten as an address at <paramref name="forwarderDomain"/>.</summary>
    public string Forward(string sender, string forwarderDomain, DateTimeOffset now)
    {
        var at = sender.LastIndexOf('@');
        var local = sender[..at];
        var domain = sender[(at + 1)..];
        if (IsSrs(sender))
        {
            // Already rewritten by someone else: SRS1 keeps the first forwarder and the opaque rest, so the chain stays short.
            string firstForwarder, rest;
            if (local.StartsWith("SRS0", StringComparison.OrdinalIgnoreCase))
            {
                firstForwarder = domain;
                rest = local[4..];
            }
            else
            {
                var parts = local[5..].Split('=', 3);
                if (parts.Length < 3)
                    return Srs0(local, domain, forwarderDomain, now);
                firstForwarder = parts[1];
                rest = parts[2];
            }
            return $"SRS1={Hash(firstForwarder, rest)}={firstForwarder}={rest}@{forwarderDomain}";
        }
        return Srs0(local, domain, forwarderDomain, now);
    }

    private string Srs0(string local, string domain, string forwarderDomain, DateTimeOffset now)
    {
        var day = Day(now);
        return $"SRS0={Hash(day, domain, local)}={day}={domain}={local}@{forwarderDomain}";
    }

    /// <summary>Where a bounce to <paramref name="address"/> must go, or why it must be refused.</summary>
    public SrsReverseResult Reverse(string address, DateTimeOffset now)
    {
        if (!IsSrs(address))
            return new SrsReverseResult(SrsReverseStatus.NotSrs, null);
        var local = address[..address.LastIndexOf('@')];
        var body = local[5..];
        if (local[3] == '0')
        {
            // HHHH=TT=domain=local; the original local part may itself contain '='.
            var parts = body.Split('=', 4);
            if (parts.Length < 4 || parts[2].Length == 0 || parts[3].Length == 0)
                return new SrsReverseResult(SrsReverseStatus.Malformed, null);
            var (hash, day, domain, original) = (parts[0], parts[1], parts[2], parts[3]);
            if (!SameHash(hash, Hash(day, domain, original)))
                return new SrsReverseResult(SrsReverseStatus.BadHash, null);
            if (!IsRecent(day, now))
                return new SrsReverseResult(SrsReverseStatus.Expired, null);
            return new SrsReverseResult(SrsReverseStatus.Ok, original + "@" + domain);
        }
        else
        {
            // HHHH=first-forwarder==opaque: the opaque part starts with its own separator.
            var parts = body.Split('=', 3);
            if (parts.Length < 3 || parts[1].Length == 0 || parts[2].Length < 2)
                return new SrsReverseResult(SrsReverseStatus.Malformed, null);
            var (hash, firstForwarder, rest) = (parts[0], parts[1], parts[2]);
            if (!SameHash(hash, Hash(firstForwarder, rest)))
                return new SrsReverseResult(SrsReverseStatus.BadHash, null);
            return new SrsReverseResult(SrsReverseStatus.Ok, "SRS0" + rest + "@" + firstForwarder);
        }
    }

    /// <summary>Days since 1970 modulo 1024 as two base32 characters.</summary>
    internal static string Day(DateTimeOffset now)
    {
        var day = (int)(now.ToUnixTimeSeconds() / 86400 % DayModulus);
        return new string([Base32[day >> 5], Base32[day & 31]]);
    }

    private bool IsRecent(string day, DateTimeOffset now)
    {
        if (day.Length != 2)
            return false;
        var high = Base32.IndexOf(char.ToUpperInvariant(day[0]));
        var low = Base32.IndexOf(char.ToUpperInvariant(day[1]));
        if (high < 0 || low < 0)
            return false;
        var then = (high << 5) | low;
        var today = (int)(now.ToUnixTimeSeconds() / 86400 % DayModulus);
        var age = (today - then + DayModulus) % DayModulus;
        return age <= maxAgeDays;
    }

    /// <summary>
    /// HMAC over the parts, lower-cased (the address may come back case-folded: this server and many others
    /// lower-case local parts), each part followed by a separator byte so that parts cannot be shifted into each other.
    /// </summary>
    private string Hash(params string[] parts)
    {
        var data = Encoding.UTF8.GetBytes(string.Concat(parts.Select(p => p.ToLowerInvariant() + "\0")));
        var mac = HMACSHA256.HashData(secret, data);
        var bits = ((ulong)mac[0] << 32) | ((ulong)mac[1] << 24) | ((ulong)mac[2] << 16) | ((ulong)mac[3] << 8) | mac[4];
        var chars = new char[HashLength];
        for (var i = 0; i < HashLength; i++)
            chars[i] = Base32[(int)(bits >> (35 - 5 * i)) & 31];
        return new string(chars);
    }

    private static bool SameHash(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given.ToUpperInvariant()), Encoding.ASCII.GetBytes(expected));
}

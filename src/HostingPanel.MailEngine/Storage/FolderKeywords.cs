using System.Data.Common;

namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// A folder's keyword list (<c>folders.keywords</c>): every keyword a message of the folder has carried,
/// never shrinking, which IMAP announces in FLAGS and PERMANENTFLAGS (RFC 9051 7.3.5) the same way to
/// every session, as Dovecot does. Written by the writer that brings a keyword in (APPEND, delivery, COPY,
/// MOVE, STORE) inside its transaction, after it has taken the folder row (see <c>MailStore.LockFolder</c>),
/// so two writers never lose each other's additions.
/// </summary>
internal static class FolderKeywords
{
    /// <summary>
    /// At most this many keywords per folder are remembered: a client adding keywords without end would
    /// otherwise make every SELECT's FLAGS line grow without end. Keywords past it stay on their messages
    /// and are still announced to a session that sees them.
    /// </summary>
    public const int Max = 256;

    public static IReadOnlyList<string> Split(string text) =>
        text.Length == 0 ? [] : text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Adds the keywords the folder's list lacks (compared case-insensitively, RFC 9051 2.3.2).</summary>
    public static async Task RememberAsync(DbConnection c, DbTransaction tx, long folderId, IEnumerable<string> keywords)
    {
        var incoming = keywords.ToList();
        if (incoming.Count == 0)
            return;
        var rows = await c.QueryAsync(tx, "SELECT keywords FROM folders WHERE id = @f", r => r.GetString(0), ("@f", folderId));
        if (rows.Count == 0)
            return;
        var list = Split(rows[0]).ToList();
        var known = new HashSet<string>(list, StringComparer.OrdinalIgnoreCase);
        var grown = false;
        foreach (var keyword in incoming)
        {
            if (list.Count >= Max)
                break;
            if (keyword.Length > 0 && known.Add(keyword))
            {
                list.Add(keyword);
                grown = true;
            }
        }
        if (grown)
            await c.ExecAsync(tx, "UPDATE folders SET keywords = @k WHERE id = @f", ("@k", string.Join(' ', list)), ("@f", folderId));
    }
}

using Microsoft.Data.Sqlite;
using Npgsql;

namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// Recognises "the disk is full" in whatever layer noticed it first: a body write (ENOSPC, or EDQUOT
/// under a file-system quota), SQLite (SQLITE_FULL) or PostgreSQL (53100 disk_full). SMTP answers it
/// with 452 4.3.1 and IMAP with NO, both temporary, so clients retry once space returns.
/// </summary>
public static class StorageFull
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;
    private const int SQLITE_FULL = 13;

    public static bool Is(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case IOException io when io.HResult is ENOSPC or EDQUOT:
                case SqliteException { SqliteErrorCode: SQLITE_FULL }:
                case PostgresException { SqlState: PostgresErrorCodes.DiskFull }:
                    return true;
            }
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(Is))
                return true;
        }
        return false;
    }
}

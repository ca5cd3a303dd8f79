#!/usr/bin/env python3
"""Bulk copies of one row the product made itself (through its API), so that every column keeps the product's own
formats (GUID text, timestamps, hashes): N mailboxes in one domain, or N customers of one reseller.

  seed.py sqlite PATH TABLE KEY_COLUMN KEY_VALUE COUNT
  seed.py postgresql CONNINFO TABLE KEY_COLUMN KEY_VALUE COUNT

The copies get a new Id (and AllocationVersion) and a numbered LocalPart (mailboxes) or Name (customers).
"""
import subprocess
import sys

provider, target, table, key_column, key_value, count = sys.argv[1:7]
count = int(count)


def sqlite_expr(column):
    guid = "upper(hex(randomblob(4))||'-'||hex(randomblob(2))||'-'||hex(randomblob(2))||'-'||hex(randomblob(2))||'-'||hex(randomblob(6)))"
    if column in ("Id", "AllocationVersion"):
        return guid
    if column == "LocalPart":
        return "'u' || printf('%05d', i)"
    if column == "Name":
        return "'Customer ' || printf('%05d', i)"
    return f't."{column}"'


def pg_expr(column):
    if column in ("Id", "AllocationVersion"):
        return "gen_random_uuid()"
    if column == "LocalPart":
        return "'u' || lpad(i::text, 5, '0')"
    if column == "Name":
        return "'Customer ' || lpad(i::text, 5, '0')"
    return f't."{column}"'


if provider == "sqlite":
    import sqlite3
    db = sqlite3.connect(target)
    columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
    select = ", ".join(sqlite_expr(c) for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    db.execute(f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
                   INSERT INTO "{table}" ({names}) SELECT {select} FROM n, "{table}" t WHERE t."{key_column}" = ?""", (key_value,))
    db.commit()
    db.execute("ANALYZE")
    db.close()
else:
    def psql(sql):
        return subprocess.run(["psql", target, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql], check=True, capture_output=True, text=True).stdout
    columns = psql(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position").split()
    select = ", ".join(pg_expr(c) for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    value = key_value.replace("'", "''")
    psql(f"""INSERT INTO "{table}" ({names}) SELECT {select} FROM generate_series(1, {count}) AS n(i), "{table}" t WHERE t."{key_column}" = '{value}'""")
    psql(f'ANALYZE "{table}"')

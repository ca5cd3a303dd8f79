#!/usr/bin/env python3
"""Writes the portal figures (PORTAL lines from bench/portal/run.sh) as a table between the
<!-- bench:portal:begin --> and <!-- bench:portal:end --> markers of the report (added at the end when missing).

  report.py FIGURES REPORT COMMAND
"""
import re
import subprocess
import sys
from datetime import datetime, timezone

figures, report, command = sys.argv[1:4]
rows = {}
for line in open(figures):
    parts = line.split()
    if len(parts) < 5 or parts[0] != "PORTAL":
        continue
    provider, page, conn = parts[1], parts[2], parts[3]
    values = dict(p.split("=") for p in parts[4:])
    rows.setdefault(page, {})[(provider, conn)] = values

labels = {
    "mailboxes-page1": "Domain page, mailbox list of 10,000: page 1",
    "mailboxes-page200": "Domain page, mailbox list of 10,000: page 200",
    "mailboxes-search": "Domain page, mailbox list of 10,000: search",
    "customers-page1": "Reseller's customer list of 5,000: page 1",
    "customers-page100": "Reseller's customer list of 5,000: page 100",
    "customers-search": "Reseller's customer list of 5,000: search",
}
columns = [("sqlite", "c=1"), ("sqlite", "c=4"), ("postgresql", "c=1"), ("postgresql", "c=4")]


def cell(v):
    if v is None:
        return "n/a"
    errors = f", {v['errors']} errors" if v.get("errors", "0") != "0" else ""
    return f"{v['p50']} / **{v['p95']}** / {v['p99']} ms ({v['requests']} req{errors})"


revision = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip() or "unknown"
out = ["<!-- bench:portal:begin -->",
       f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, revision {revision}). "
       "Latency p50 / **p95** / p99 per page request, signed in (customer for its domain page, reseller for its customers), "
       "wrk with 1 and 4 connections; target: p95 under 50 ms.",
       "",
       "| Page | SQLite, 1 conn. | SQLite, 4 conn. | PostgreSQL, 1 conn. | PostgreSQL, 4 conn. |",
       "|---|---|---|---|---|"]
for page, label in labels.items():
    if page in rows:
        out.append(f"| {label} | " + " | ".join(cell(rows[page].get(c)) for c in columns) + " |")
out.append("<!-- bench:portal:end -->")
block = "\n".join(out)

text = open(report).read()
pattern = re.compile(r"<!-- bench:portal:begin -->.*?<!-- bench:portal:end -->", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: block, text)
else:
    text = text.rstrip("\n") + "\n\n## Portal list pages\n\n" + block + "\n"
open(report, "w").write(text)

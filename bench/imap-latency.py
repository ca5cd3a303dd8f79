#!/usr/bin/env python3
"""One command at a time, as clients that do not pipeline send them (issue 17 item 4).

    bench/imap-latency.py HOST PORT USER PASSWORD ROUNDS

Python's imaplib is the client: Nagle's algorithm on, APPEND with a synchronizing literal ({n}, the literal
and the closing CRLF written separately), every reply awaited before the next command. LOGIN with both
arguments as literals is written the same way over a raw socket (imaplib quotes LOGIN's arguments), on a
fresh connection each time, after 20 CAPABILITYs so that the kernel's quick-ACK start is over (it would
hide a stall). A reply that waits for the client's delayed ACK costs 40 ms or more, every time.
Prints one line per operation: name, samples, p50 ms, p95 ms (tab-separated).
"""
import imaplib
import socket
import sys
import time

host, port, user, password, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
MESSAGE = ("From: bench@example.com\r\nTo: " + user + "\r\nSubject: one at a time\r\n"
           "Message-ID: <%d@imap-latency>\r\n\r\n" + "x" * 2000 + "\r\n")


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def timed(fn):
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000.0


def login_with_literals():
    sock = socket.create_connection((host, port))
    reader = sock.makefile("rb")
    reader.readline()

    def until(tag):
        while True:
            line = reader.readline()
            if not line:
                raise RuntimeError("connection closed")
            if line.startswith(tag + b" "):
                return line

    for i in range(20):
        sock.sendall(b"w%d CAPABILITY\r\n" % i)
        until(b"w%d" % i)
    start = time.perf_counter()
    sock.sendall(b"l LOGIN {%d}\r\n" % len(user))
    for literal, rest in ((user, " {%d}" % len(password)), (password, "")):
        if not reader.readline().startswith(b"+"):
            raise RuntimeError("no continuation request")
        sock.sendall(literal.encode())
        sock.sendall(rest.encode() + b"\r\n")
    reply = until(b"l")
    elapsed = (time.perf_counter() - start) * 1000.0
    if not reply.startswith(b"l OK"):
        raise RuntimeError("LOGIN refused: %r" % reply)
    sock.sendall(b"z LOGOUT\r\n")
    sock.close()
    return elapsed


results = {"LOGIN, both arguments as synchronizing literals": [login_with_literals() for _ in range(rounds)]}

imap = imaplib.IMAP4(host, port)
imap.login(user, password)
imap.select("INBOX")
appends, noops, fetches, stores, searches = [], [], [], [], []
for i in range(rounds):
    appends.append(timed(lambda: imap.append("INBOX", None, None, (MESSAGE % i).encode())))
    noops.append(timed(lambda: imap.noop()))
    fetches.append(timed(lambda: imap.fetch("1:*", "(FLAGS)")))
    stores.append(timed(lambda: imap.store("1", "+FLAGS", "(\\Seen)")))
    searches.append(timed(lambda: imap.search(None, "UNSEEN")))
imap.logout()
# The control: the same APPENDs from a client with TCP_NODELAY, which never waits for an ACK before its CRLF.
# What the Nagling client pays beyond this row is a delayed-ACK stall; the rest is the server's own work.
control = imaplib.IMAP4(host, port)
control.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
control.login(user, password)
control.select("INBOX")
control_appends = [timed(lambda: control.append("INBOX", None, None, (MESSAGE % (rounds + i)).encode())) for i in range(rounds)]
control.logout()
results["APPEND with a synchronizing literal (imaplib)"] = appends
results["the same APPEND from a client with TCP_NODELAY (control)"] = control_appends
results["NOOP"] = noops
results["FETCH 1:* (FLAGS)"] = fetches
results["STORE 1 +FLAGS, the Seen flag"] = stores
results["SEARCH UNSEEN"] = searches
for name, samples in results.items():
    print("%s\t%d\t%.2f\t%.2f" % (name, len(samples), percentile(samples, 50), percentile(samples, 95)))

#!/usr/bin/env python3
"""Connections in IDLE, one point of the curve (issue 27 item 3).

    bench/idle-curve.py --port P --delivery-port P --proto smtp|lmtp --users-file USERS.tsv --password PW
                        --connections N --deliveries D --pid SERVER_PID [--gc-signal] [--label NAME]

Opens N IMAP connections (LOGIN, SELECT INBOX, IDLE), round-robin over the users of USERS.tsv, 200 at a
time; measures the server's memory (PSS of its whole process tree, after a full GC when --gc-signal) before
and after, and its CPU over 10 s while every connection idles; then delivers D messages one at a time, to
the users in turn, and times from the delivery's final reply to the EXISTS at the last of that user's
idlers (0 when it came first). Prints one tab-separated line:
label, connections opened, KiB per connection, idle CPU % of one core, push p50 ms, p99 ms, max ms, errors.
The client is one asyncio loop: its own scheduling is in the latency (a few ms at 20,000 connections).
"""
import argparse
import asyncio
import os
import signal
import smtplib
import time

parser = argparse.ArgumentParser()
for name in ("port", "delivery-port", "connections", "deliveries", "pid"):
    parser.add_argument("--" + name, type=int, required=True)
parser.add_argument("--proto", required=True)
parser.add_argument("--users-file", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--gc-signal", action="store_true")
parser.add_argument("--label", default="server")
args = parser.parse_args()
users = [line.split("\t")[0] for line in open(args.users_file) if line.strip()]
HZ = os.sysconf("SC_CLK_TCK")


def tree(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    result, todo = [], [pid]
    while todo:
        p = todo.pop()
        result.append(p)
        todo.extend(children.get(p, []))
    return result


def pss_kib(pid):
    total = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_ticks(pid):
    total = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])
        except (OSError, ValueError):
            pass
    return total


async def settle():
    await asyncio.sleep(3)
    if args.gc_signal:
        os.kill(args.pid, signal.SIGUSR1)
        await asyncio.sleep(3)


class Idler:
    def __init__(self, user):
        self.user = user
        self.exists = -1
        self.seen_at = 0.0
        self.changed = asyncio.Event()

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", args.port, limit=1 << 20)
        await self.reader.readline()
        for tag, command in (("a", "LOGIN %s \"%s\"" % (self.user, args.password)), ("b", "SELECT INBOX")):
            self.writer.write(("%s %s\r\n" % (tag, command)).encode())
            while True:
                line = await self.reader.readline()
                if not line:
                    raise ConnectionError("closed")
                if line.endswith(b" EXISTS\r\n"):
                    self.exists = int(line.split()[1])
                if line.startswith(tag.encode() + b" "):
                    if not line.startswith(tag.encode() + b" OK"):
                        raise ConnectionError(line.decode(errors="replace").strip())
                    break
        self.writer.write(b"c IDLE\r\n")
        if not (await self.reader.readline()).startswith(b"+"):
            raise ConnectionError("IDLE refused")

    async def listen(self):
        while True:
            line = await self.reader.readline()
            if not line:
                return
            if line.endswith(b" EXISTS\r\n"):
                self.exists = int(line.split()[1])
                self.seen_at = time.perf_counter()
                self.changed.set()


def deliver(user, n):
    message = ("From: probe@bench.test\r\nTo: %s\r\nSubject: idle curve %d\r\nMessage-ID: <curve%d.%f@bench.test>\r\n\r\nProbe.\r\n"
               % (user, n, n, time.time()))
    client = smtplib.LMTP("127.0.0.1", args.delivery_port) if args.proto == "lmtp" else smtplib.SMTP("127.0.0.1", args.delivery_port)
    try:
        client.sendmail("probe@bench.test", [user], message)
    finally:
        client.quit()
    return time.perf_counter()


async def main():
    loop = asyncio.get_running_loop()
    await settle()
    before = pss_kib(args.pid)
    idlers, errors, first_error = [], 0, None
    gate = asyncio.Semaphore(200)

    async def open_one(i):
        nonlocal errors, first_error
        idler = Idler(users[i % len(users)])
        async with gate:
            try:
                await idler.open()
                idlers.append(idler)
            except (OSError, ConnectionError) as e:
                errors += 1
                first_error = first_error or str(e)

    await asyncio.gather(*(open_one(i) for i in range(args.connections)))
    listeners = [asyncio.ensure_future(i.listen()) for i in idlers]
    await settle()
    after = pss_kib(args.pid)
    ticks0 = cpu_ticks(args.pid)
    await asyncio.sleep(10)
    idle_cpu = (cpu_ticks(args.pid) - ticks0) / HZ / 10 * 100
    by_user = {}
    for idler in idlers:
        by_user.setdefault(idler.user, []).append(idler)
    targets = [u for u in users if u in by_user]
    samples = []
    for d in range(args.deliveries + 1):
        user = targets[d % len(targets)]
        group = by_user[user]
        want = {id(i): i.exists + 1 for i in group}
        acked = await loop.run_in_executor(None, deliver, user, d)
        deadline = time.perf_counter() + 10
        while any(i.exists < want[id(i)] for i in group) and time.perf_counter() < deadline:
            await asyncio.sleep(0.0005)
        if any(i.exists < want[id(i)] for i in group):
            errors += 1
            first_error = first_error or "an idler saw no EXISTS within 10 s"
            continue
        if d > 0:  # the first delivery pays first-use costs on both servers
            samples.append(max(0.0, max(i.seen_at for i in group) - acked) * 1000)
    for task in listeners:
        task.cancel()
    for idler in idlers:
        idler.writer.close()
    samples.sort()
    pick = lambda p: samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))] if samples else float("nan")
    per_conn = (after - before) / len(idlers) if idlers else float("nan")
    print("%s\t%d\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t%d%s" % (args.label, len(idlers), per_conn, idle_cpu, pick(50), pick(99),
          samples[-1] if samples else float("nan"), errors, ("\t" + first_error) if first_error else ""), flush=True)


asyncio.run(main())

#!/usr/bin/env python3
# bench/fsync_probe.py DIR RATE SECS: p50/p99 of one 4 KiB append + fdatasync, paced at RATE/s for SECS, in DIR (same filesystem
# as the data dir): the disk's own floor for a durable commit.
import os, sys, time
d, rate, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fd = os.open(os.path.join(d, "fsync-probe"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
lat = []
start = time.perf_counter()
for i in range(rate * secs):
    due = start + i / rate
    now = time.perf_counter()
    if due > now:
        time.sleep(due - now)
    t = time.perf_counter()
    os.write(fd, b"x" * 4096)
    os.fdatasync(fd)
    lat.append((time.perf_counter() - t) * 1000)
os.close(fd)
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"fdatasync n={len(lat)} p50={q(0.5):.2f} ms p99={q(0.99):.2f} ms max={lat[-1]:.2f} ms")

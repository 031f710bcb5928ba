"""Bounded load on the service: client.py PORT PHASE SECONDS MAXREQ. Checks each answer."""
import sys
import time
import urllib.request

port, phase, secs, most = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
end = time.time() + secs
n = bad = 0
while n < most and (n == 0 or time.time() < end):
    with urllib.request.urlopen("http://127.0.0.1:%d/%s/%d" % (port, phase, n), timeout=5) as r:
        if r.status != 200 or r.read() != b"%s %d" % (phase.encode(), n):
            bad += 1
    n += 1
    time.sleep(0.01)
print(n, bad)

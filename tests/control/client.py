"""Bounded load on the service: client.py PORT PHASE SECONDS MAXREQ. Checks each answer.
Prints the requests made, the wrong answers, and the seconds from the first answer to the
sending of the last request: the server handled all of them within at least that long."""
import sys
import time
import urllib.request

port, phase, secs, most = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
end = time.time() + secs
n = bad = 0
first_answer = last_sent = None
while n < most and (n == 0 or time.time() < end):
    last_sent = time.monotonic()
    with urllib.request.urlopen("http://127.0.0.1:%d/%s/%d" % (port, phase, n), timeout=5) as r:
        if r.status != 200 or r.read() != b"%s %d" % (phase.encode(), n):
            bad += 1
    if first_answer is None:
        first_answer = time.monotonic()
    n += 1
    time.sleep(0.01)
print(n, bad, "%.3f" % max(0.0, last_sent - first_answer))

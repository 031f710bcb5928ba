"""Bounded load on webapp.py from a second process: load.py PORT REQUESTS WORKERS.
Each answer is checked against what the service must say; prints "REQUESTS BAD"."""
import json
import sys
import threading
import urllib.error
import urllib.request

port, total, workers = (int(a) for a in sys.argv[1:4])
base = "http://127.0.0.1:%d" % port
NAMES = "zero one two three four five six seven eight nine".split()
bad = []
done = [0]
lock = threading.Lock()


def check(i):
    if i % 3 == 2:
        data = b"payload %d " % i * 10
        req = urllib.request.Request(base + "/echo", data=data, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status == 200 and r.read() == data[::-1]
    if i % 17 == 5:
        try:
            urllib.request.urlopen(base + "/missing/%d" % i, timeout=10)
        except urllib.error.HTTPError as e:
            return e.code == 404 and e.read() == b"no such page"
        return False
    with urllib.request.urlopen(base + "/item/%d" % i, timeout=10) as r:
        want = {"n": i, "squares": sum(k * k for k in range(i)),
                "words": [NAMES[int(d)] for d in str(i)]}
        return r.status == 200 and json.loads(r.read()) == want


def worker(k):
    for i in range(k, total, workers):
        try:
            good = check(i)
        except Exception as e:  # a refused or reset connection is a wrong answer too
            good = False
            print("request %d: %r" % (i, e), file=sys.stderr)
        with lock:
            done[0] += 1
            if not good:
                bad.append(i)


ts = [threading.Thread(target=worker, args=(k,)) for k in range(workers)]
for t in ts:
    t.start()
for t in ts:
    t.join()
urllib.request.urlopen(base + "/quit", timeout=10).read()
print(done[0], len(bad))

"""client.py PORT SECONDS: talks to server.py for SECONDS on one connection and checks
every answer; prints "requests errors"."""
import socket
import sys
import time

port, secs = int(sys.argv[1]), float(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rwb")
end = time.monotonic() + secs
n = errors = 0
while time.monotonic() < end or n == 0:
    k = 100 + n % 50
    f.write(b"%d\n" % k)
    f.flush()
    want = b"%d %d\n" % (k, sum(i * i for i in range(k)))
    if f.readline() != want:
        errors += 1
    n += 1
print(n, errors)

"""A small threaded TCP service for vt attach's tests: one thread per connection, each
request a line with a number n, each answer "n sum-of-squares(n)"; a ticker thread runs
all the time (its loop is open when vt attaches). "quit" ends the process with status 3.
It prints its port, and "bye" at the end: its output must not change under vt attach."""
import os
import socketserver
import threading
import time

stop = threading.Event()


def squares(n):
    return sum(i * i for i in range(n))


def answer(line):
    n = int(line)
    return b"%d %d\n" % (n, squares(n))


def tick(state):
    state[0] += 1


def ticker_loop():
    state = [0]
    while not stop.is_set():
        tick(state)
        time.sleep(0.005)


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            if line.strip() == b"quit":
                stop.set()
                return
            self.wfile.write(answer(line))


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
threading.Thread(target=ticker_loop, name="ticker", daemon=True).start()
threading.Thread(target=srv.serve_forever, args=(0.05,), name="acceptor", daemon=True).start()
print(srv.server_address[1], flush=True)
# the main thread runs Python code all the time (sys.remote_exec's script runs there)
while not stop.wait(0.05):
    pass
srv.shutdown()
print("bye", flush=True)
os._exit(3)

"""A small HTTP service on 127.0.0.1: each path is served by a function of its own, so
the trace tells which requests fell inside the recording window."""
import http.server
import sys


def handle_before(n):
    return b"before %d" % n


def handle_during(n):
    return b"during %d" % n


def handle_after(n):
    return b"after %d" % n


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        phase, _, n = self.path.strip("/").partition("/")
        body = globals()["handle_" + phase](int(n))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()

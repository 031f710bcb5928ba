"""A small JSON web service on 127.0.0.1 (http.server, a thread per request), run unchanged
under vt by tests/real/run.sh. Prints its port, serves until GET /quit, exits 0.
  /item/N   {"n": N, "squares": sum of k*k for k < N, "words": the words of N's name}
  /echo     the request body, reversed (POST)"""
import http.server
import json
import sys
import threading

NAMES = "zero one two three four five six seven eight nine".split()


def squares(n):
    return sum(k * k for k in range(n))


def spell(n):
    return [NAMES[int(d)] for d in str(n)]


def item(n):
    return {"n": n, "squares": squares(n), "words": spell(n)}


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body, kind="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/quit":
            self.reply(200, b"bye", "text/plain")
            threading.Thread(target=self.server.shutdown).start()
        elif self.path.startswith("/item/"):
            self.reply(200, json.dumps(item(int(self.path[6:]))).encode())
        else:
            self.reply(404, b"no such page", "text/plain")

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.reply(200, body[::-1], "application/octet-stream")

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
srv.server_close()
print("served", flush=True)

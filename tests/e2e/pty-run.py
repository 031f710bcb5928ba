#!/usr/bin/env python3
"""Run a command on a pseudo-terminal, type some input into it, and report.

usage: pty-run.py INPUT_FILE TIMEOUT CMD [ARG ...]

Each line of INPUT_FILE is typed once the program waits for it: it has printed a
prompt ('>>> ' or '... ', colours allowed) since the last line was typed and then
been quiet for 0.1 s (or has been quiet for 5 s, whatever it printed). Ctrl-D
follows the last line. Everything the program writes to the terminal is copied to
stdout, with \\r\\n made \\n. The exit status is the program's (128+N if a signal N
killed it); 124 if it ran longer than TIMEOUT seconds (it is then killed).
"""
import os
import pty
import select
import signal
import sys
import time

PROMPTS = (b">>> ", b"... ")


def main():
    input_file, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    with open(input_file, "rb") as f:
        pending = f.read().splitlines(True) + [b"\x04"]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    out = bytearray()
    since_input = bytearray()
    deadline = time.monotonic() + timeout
    last_out = time.monotonic()
    status = None
    while True:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
            sys.stderr.write("pty-run.py: timed out after %gs\n" % timeout)
            sys.exit(124)
        r, _, _ = select.select([fd], [], [], 0.02)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the other side is closed
                data = b""
            if not data:
                break
            out += data
            since_input += data
            last_out = time.monotonic()
            continue
        quiet = time.monotonic() - last_out
        prompted = any(p in since_input for p in PROMPTS)
        if pending and ((prompted and quiet > 0.1) or quiet > 5.0):
            os.write(fd, pending.pop(0))
            since_input.clear()
            last_out = time.monotonic()
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()

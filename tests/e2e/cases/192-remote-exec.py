# sys.remote_exec (3.14+): another process asks this one to run a script; the
# interpreter runs it at its next check for pending work, in whatever frame is running
# then. vt must not stop it, and records its frames where they ran (the script is
# compiled as <string>). The asking process runs untraced (192-remote-exec.sh).
import os
import subprocess
import sys
import tempfile
import time

DONE = False

INJECT = """\
import __main__


def injected():
    __main__.DONE = True


injected()
"""

ASK = """\
import sys

try:
    sys.remote_exec(int(sys.argv[1]), sys.argv[2])
except Exception as e:
    print("remote_exec failed:", type(e).__name__, e)
"""


def work():
    time.sleep(0.01)


def main():
    with tempfile.TemporaryDirectory() as d:
        inject = os.path.join(d, "inject.py")
        ask = os.path.join(d, "ask.py")
        for path, text in ((inject, INJECT), (ask, ASK)):
            with open(path, "w") as f:
                f.write(text)
        env = {k: v for k, v in os.environ.items()
               if k != "LD_PRELOAD" and not k.startswith("VT_")}
        r = subprocess.run([sys.executable, ask, str(os.getpid()), inject], env=env,
                           stdout=subprocess.PIPE, universal_newlines=True)
        if r.stdout:
            print(r.stdout.strip())
            return
        for _ in range(1000):
            if DONE:
                break
            work()
    print("the injected script ran:", DONE)


main()

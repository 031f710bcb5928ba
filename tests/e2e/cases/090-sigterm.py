# e2e: tree --files 090-sigterm.py --c-of-kept
# e2e: exit 143
# The program sends itself SIGTERM with the default action: it still dies by
# SIGTERM (status 143 from the shell) and the events before it are kept.
import os
import signal


def before():
    pass


def die():
    before()
    print("sending SIGTERM", flush=True)
    os.kill(os.getpid(), signal.SIGTERM)
    print("not reached")


die()

# e2e: tree --files 070-os-exit.py --c-of-kept
# e2e: exit 3
# os._exit(3) from inside nested calls skips every Python and C exit handler: the
# exit code stays 3 and the events recorded so far are kept, the open frames
# marked unfinished.
import os
import sys


def leave():
    print("leaving")
    sys.stdout.flush()
    os._exit(3)


def middle():
    leave()


middle()

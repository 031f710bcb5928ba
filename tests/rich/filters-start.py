# Run with VT_START=signal: recording starts inside helper.start_here, so the frames open
# then (this <module>, main, start_here) were entered unseen. Their C calls (abs in
# start_here, len in main) still belong to them.
import os
import signal
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import helper


def main():
    helper.start_here(signal.SIGUSR2)
    return len("made by main")


print(main())

# e2e: exit 137
# SIGKILL after enough calls to flush several chunks (run with VT_BUFFER_SIZE=64K):
# the trace keeps the early events (all but the last, unflushed chunk) and
# vt-convert still converts it; the status is 137, as without vt.
import os
import signal


def first():
    pass


def step(i):
    return i


def main():
    first()
    for i in range(30000):
        step(i)
    print("killing myself", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


main()

# e2e: tree --files 100-sys-exit.py --c-of-kept
# e2e: exit 5
# sys.exit(5) from nested calls: SystemExit unwinds every frame, status 5.
import sys


def finish():
    print("finishing")
    sys.exit(5)


def run():
    finish()


run()

# e2e: tree --files 101-uncaught.py --c-of-kept
# e2e: exit 1
# An uncaught exception: status 1 and the traceback on stderr exactly as without vt.


def fail():
    raise RuntimeError("boom")


def run():
    fail()


print("before")
run()

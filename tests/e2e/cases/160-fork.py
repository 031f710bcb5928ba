# e2e: tree --files 160-fork.py --c-of-kept
# os.fork(): the child is traced into its own files (a second process in the
# trace, its main thread named MainThread) and the parent carries on. The child
# exits with os._exit(7), so its frames stay unfinished; the parent waits for it.
import os


def in_child():
    return "child"


def in_parent():
    return "parent"


def main():
    pid = os.fork()
    if pid == 0:
        in_child()
        os._exit(7)
    _, status = os.waitpid(pid, 0)
    in_parent()
    print("child exit status", os.WEXITSTATUS(status))


main()

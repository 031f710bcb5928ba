import os


def inner(x):
    return abs(x) + 1  # a C call made by a function of this file


def outer(x):
    return inner(x) * 2


def start_here(sig):
    # filters-start.py: recording starts in here, so vt never saw this frame enter
    os.kill(os.getpid(), sig)
    for _ in range(3):
        pass  # the signal's handler runs at one of these checks
    return abs(-3)

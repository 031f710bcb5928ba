"""vt's own frames stay out of the trace, the program's stay in: decorated methods,
nested spans, an exception and a generator through the decorator, str() of a program's
object called by vt, a thread; with VT_START=signal, recording that starts while a
decorated function runs."""
import os
import signal
import threading
import time
import vt


def leaf(x):
    return x


def inner_str():
    return "name"


class Name:
    def __str__(self):
        return inner_str()  # called by vt (str(name)): vt's, left out


class Handler:
    @vt.span("method")
    def handle(self, x):
        return leaf(x)


@vt.span("outer")
def outer():
    return middle()


@vt.span("middle")
def middle():
    return leaf(1)


@vt.span("fails")
def fails():
    raise ValueError("boom")


@vt.span("gen")
def gen():
    yield leaf(1)


@vt.span("slow")
def slow():
    time.sleep(0.3)  # VT_START=signal: recording starts in here
    return leaf(2)


def after():
    return leaf(3)


def worker():
    Handler().handle(4)


def main():
    Handler().handle(1)
    outer()
    try:
        fails()
    except ValueError:
        pass
    for _ in gen():
        pass
    vt.counter(Name(), v=1)
    vt.instant("mark", who=Name())
    t = threading.Thread(target=worker, name="worker")
    t.start()
    t.join()
    if os.environ.get("VT_START") == "signal":
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGUSR2)).start()
    slow()
    after()


main()

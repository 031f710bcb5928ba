# args_app.py - a tiny program for the viewer's argument and counter tests (run.mjs): traced
# with VT_LOG_ARGS=1 VT_LOG_RETURN=1, its add(2, 3) call must show a = 2, b = 3 and the
# return value 5 in the details pane, and vt.counter's two series must be drawn.
import vt


def add(a, b):
    return a + b


def main():
    for i in range(4):
        vt.counter("queue", depth=i % 3, rate=i * 1.5)
    with vt.span("batch", size=10):
        print(add(2, 3))


main()

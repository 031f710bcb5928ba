"""vt: marks, counters and spans for the vt timeline tracer.

While a program runs under libvt.so, `import vt` finds this module even when it is not
installed, and its calls land in the trace. Anywhere else (vt not loaded), copy or install
this file: every call is then a no-op, so production code can keep them.

    import vt
    vt.counter("queue", depth=len(q))       # a counter track
    vt.instant("reload", reason="SIGHUP")   # a marker
    with vt.span("batch", size=n):          # a slice of its own
        ...
    @vt.span("handler")                     # the same, as a decorator
    def handle(req): ...
    vt.log_var("total", total)              # numbers as counters, others as markers
    vt.pause(); vt.resume()                 # stop and restart recording in this process
    vt.thread_name("poller")                # name this thread's track
    vt.flush()                              # write out what is buffered (the flight recorder's window)
"""
import functools

try:
    import _vt
except ImportError:  # not running under libvt.so: everything below does nothing
    _vt = None

__all__ = ["counter", "instant", "span", "log_var", "pause", "resume", "thread_name",
           "flush", "active"]


def active():
    """True when the program runs under libvt.so."""
    return _vt is not None


def counter(name, **values):
    """A sample of the counter track `name`: one series per keyword (numbers only)."""
    if _vt is not None:
        _vt.counter(str(name), values)


def instant(name, **args):
    """A marker at this moment, with `args` shown in its details."""
    if _vt is not None:
        _vt.instant(str(name), args)


class span:
    """A slice named `name` with `args`: `with vt.span(...):` or `@vt.span(...)`."""

    __slots__ = ("name", "args")

    def __init__(self, name, **args):
        self.name = str(name)
        self.args = args

    def __enter__(self):
        if _vt is not None:
            _vt.begin(self.name, self.args)
        return self

    def __exit__(self, *exc):
        if _vt is not None:
            _vt.end()
        return False

    def __call__(self, func):
        name, args = self.name, self.args

        # libvt.so knows this function by its name: it leaves it out of the trace, and
        # records func, which _vt.call runs inside the span
        @functools.wraps(func)
        def _vt_wrapper(*a, **kw):
            if _vt is None:
                return func(*a, **kw)
            return _vt.call(name, args, func, a, kw)
        return _vt_wrapper


def log_var(name, value):
    """A number becomes a counter sample, anything else a marker with its repr."""
    if _vt is None:
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        _vt.counter(str(name), {str(name): value})
    else:
        _vt.instant(str(name), {"value": value})


def pause():
    """Stop recording in this process (every thread) until resume()."""
    if _vt is not None:
        _vt.pause()


def resume():
    """Start recording again after pause()."""
    if _vt is not None:
        _vt.resume()


def thread_name(name):
    """Name the current thread's track."""
    if _vt is not None:
        _vt.thread_name(str(name))


def flush():
    """Write out what is buffered now (in flight-recorder mode, the window)."""
    if _vt is not None:
        _vt.flush()

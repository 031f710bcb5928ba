"""The inline vt API."""
import gc
import vt


def work(n):
    return sum(range(n))


@vt.span("decorated", kind="fn")
def decorated():
    return work(10)


def main():
    print("active", vt.active())
    vt.thread_name("main-loop")
    vt.counter("queue", depth=3, rate=1.5, ignored="text")
    vt.instant("reload", reason="test", n=2)
    # JSON's own types stay typed; the rest is text (a str as it is, else its repr)
    vt.instant("typed", k=0, neg=-3, f=1.5, on=True, off=False, none=None, s="0",
               big=2**70, nan=float("nan"), obj=[1])
    with vt.span("batch", size=10):
        work(100)
    decorated()
    vt.log_var("total", 42)
    vt.log_var("state", {"a": 1})
    vt.log_var("flag", True)
    vt.pause()
    work(7)            # not recorded
    vt.resume()
    work(8)
    gc.collect()
    vt.flush()
    print("done")


main()

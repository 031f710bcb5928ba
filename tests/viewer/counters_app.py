# counters_app.py - counters for the viewer's counter tests (run.mjs): two threads write the
# same counter names, so vt-convert gives each its own track ("queue (producer).depth",
# "backlog (producer)"), and the viewer must draw them apart, from the HTML and from the
# JSON alike; rss is written by the main thread alone, once as NaN (no sample anywhere).
import threading
import vt


def work(base):
    for i in range(4):
        vt.counter("queue", depth=base + i)
        vt.log_var("backlog", base + i)


for base, name in ((0, "producer"), (100, "consumer")):
    t = threading.Thread(target=work, args=(base,), name=name)
    t.start()
    t.join()
vt.counter("rss", mb=50)
vt.counter("rss", mb=float("nan"))
vt.counter("rss", mb=60)

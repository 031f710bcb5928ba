"""Arguments with hostile __repr__ methods: the program must behave exactly as untraced."""
import threading
import time


class Raises:
    def __repr__(self):
        raise ValueError("no repr")


class Recurses:
    def __repr__(self):
        return repr(self)


class ReleasesGil:
    def __repr__(self):
        time.sleep(0.005)  # other threads run meanwhile
        return "<slept>"


class Mutates:
    count = 0

    def __repr__(self):
        Mutates.count += 1
        return "<mutates>"


def take(*objs, **kw):
    return len(objs) + len(kw)


def gen(n):
    for i in range(n):
        yield i * i


def worker(k):
    for i in range(200):
        take(i, ReleasesGil() if i % 50 == 0 else i, key=k)


def main():
    threads = [threading.Thread(target=worker, args=(k,), name="w%d" % k) for k in range(3)]
    for t in threads:
        t.start()
    print(take(Raises(), Recurses(), ReleasesGil(), Mutates(), big="x" * 10000))
    print(sum(gen(5)), list(gen(3)))
    for t in threads:
        t.join()
    try:
        take(Raises(), bad=Raises())
        raise KeyError("boom")
    except KeyError as e:
        print("caught", e)
    print("done")


main()

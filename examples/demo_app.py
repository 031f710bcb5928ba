"""A small program to show what vt records: recursion, threads, a generator,
asyncio, an exception and some builtins."""
import asyncio
import json
import threading


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def squares(n):
    for i in range(n):
        yield i * i


def parse(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def worker(k):
    total = sum(squares(200 * k))
    fib(12 + k)
    return total


async def fetch(i):
    await asyncio.sleep(0.001 * i)
    return fib(10)


async def gather():
    return await asyncio.gather(*(fetch(i) for i in range(3)))


def main():
    threads = [threading.Thread(target=worker, args=(k,), name="worker-%d" % k) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("fib(20) =", fib(20))
    print("parsed:", parse('{"a": [1, 2, 3]}'), parse("not json"))
    print("async:", asyncio.run(gather()))


if __name__ == "__main__":
    main()

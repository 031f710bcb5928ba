# e2e: tree --files 030-generators.py --c-of-kept
# Generators: each resumption is its own frame. Driven by a for loop, next(), send()
# and close() (which throws GeneratorExit in: the frame ends with an exception and
# its finally block runs), and a generator that raises. 3.12+ flags suspensions at a
# yield; before 3.12 they look like returns. echo's yield sits inside try/finally
# so that close() really runs the frame on 3.13 as on older versions.


def count(n):
    for i in range(n):
        yield i


def cleanup():
    pass


def echo():
    total = 0
    try:
        while True:
            got = yield total
            total += got
    finally:
        cleanup()


def failing():
    yield 1
    raise ValueError("gen")


def main():
    for x in count(2):
        pass
    g = count(1)
    next(g)
    next(g, None)
    e = echo()
    next(e)
    e.send(5)
    e.close()
    try:
        for x in failing():
            pass
    except ValueError:
        pass


main()

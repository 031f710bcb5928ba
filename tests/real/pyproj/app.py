"""app.py - a small module for tests/real: coverage runs it, pytest tests it (test_app.py)."""
import json


def parse(s):
    try:
        return json.loads(s)
    except ValueError:
        return None


def total(items):
    t = 0
    for i in items:
        if isinstance(i, int):
            t += i
        else:
            t += len(str(i))
    return t


def gen(n):
    for i in range(n):
        yield i * 2


if __name__ == "__main__":
    print(total([parse("[1,2]"), parse("bad"), 3, "abc"] + list(gen(5))))

"""tests/native: file I/O, zlib and a C extension, each in a function of its own.
Prints what it did (the same with and without vt)."""
import os
import sys
import zlib

import _vtdemo


def do_write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    n = os.write(fd, data)
    os.close(fd)
    return fd, n


def do_read(path):
    fd = os.open(path, os.O_RDONLY)
    data = os.read(fd, 100)
    os.close(fd)
    return fd, data


def do_zip(data):
    return zlib.compress(data * 1000)


def call_demo():
    return _vtdemo.work(5, 16), _vtdemo.work(-1, 8)


def bad_close():
    try:
        os.close(-1)
    except OSError as e:
        return e.errno


path = sys.argv[1]
wfd, n = do_write(path, b"hello native world")
rfd, data = do_read(path)
print("write fd", wfd, "n", n)
print("read fd", rfd, "data", data)
print("zip", len(do_zip(b"abc")))
print("demo", call_demo())
print("close(-1) errno", bad_close())

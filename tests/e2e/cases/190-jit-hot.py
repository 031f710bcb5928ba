# Hot loops: calls, raised and caught exceptions and a generator, each run 6000 times,
# enough for CPython's JIT (3.14+ with PYTHON_JIT=1; 190-jit-hot.sh) to compile the loops.
# Each call must still be recorded once, with its flags. The program prints on stderr
# which loops the JIT compiled (ENTER_EXECUTOR in their bytecode), so the case knows the
# JIT ran; which ones it compiles varies from run to run.
import dis
import sys

N = 6000


def leaf(i):
    return i & 1


def boom(i):
    raise ValueError(i)


def gen(n):
    for i in range(n):
        yield i


def calls():
    total = 0
    for i in range(N):
        total += leaf(i)
    return total


def raises():
    caught = 0
    for i in range(N):
        try:
            boom(i)
        except ValueError:
            caught += 1
    return caught


def gens():
    total = 0
    for i in gen(N):
        total += i
    return total


def jitted(*fns):
    op = dis.opmap.get("ENTER_EXECUTOR")
    names = []
    for fn in fns:
        code = getattr(fn.__code__, "_co_code_adaptive", b"")
        for i in range(0, len(code), 2):
            if code[i] == op:
                names.append(fn.__name__)
                break
    return names


def main():
    print(calls(), raises(), gens())
    compiled = jitted(calls, raises, gens)
    jit = getattr(sys, "_jit", None)
    if jit is not None and jit.is_enabled():  # 3.14+ with PYTHON_JIT=1
        print("jit compiled:", " ".join(compiled), file=sys.stderr)


main()

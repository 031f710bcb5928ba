# e2e: tree --files 010-nesting.py
# Nesting and recursion: fib(5) makes exactly 15 calls of fib, nested as the
# recursion is; Calc.run checks the qualified name (bare 'run' before 3.11).


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


class Calc:
    def run(self, n):
        return fib(n)


def main():
    print(Calc().run(5))


main()

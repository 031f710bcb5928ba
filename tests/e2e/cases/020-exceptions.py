# e2e: tree --files 020-exceptions.py --c-of-kept
# An exception raised two frames down and caught above: the frames it unwinds
# (Thrower.fire and middle) carry the exception flag, the frame that catches it
# (outer) does not, nor does one that raises and catches in itself.


class Boom(Exception):
    pass


class Thrower:
    def fire(self):
        raise Boom("deep")


def middle():
    Thrower().fire()


def outer():
    try:
        middle()
    except Boom:
        return "caught"


def local_catch():
    try:
        raise KeyError("k")
    except KeyError:
        return "local"


def main():
    print(outer())
    print(local_catch())


main()

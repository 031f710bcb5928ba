# vt.pause() three calls deep, vt.resume() back at the top: the filters must not go on
# counting the frames that returned while recording was off.
import vt


def f3():
    vt.pause()


def f2():
    f3()


def f1():
    f2()


def after():
    return len("after")


f1()
vt.resume()
after()

import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import helper


def level3():
    time.sleep(0.02)  # a duration to check: with filters on, vt reads the clock later
    return helper.outer(3)


def level2():
    return level3()


def level1():
    return level2()


print(level1())

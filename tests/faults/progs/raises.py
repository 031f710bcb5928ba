# raises.py: prints, then an uncaught exception (a traceback on stderr, exit status 1)
def inner(n):
    raise ValueError("bad value %d" % n)


print("before")
inner(3)

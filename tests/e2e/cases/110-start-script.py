# e2e: tree --files 110-start-script.py --c-of-kept
# python SCRIPT: tracing starts at the user's code. The first top-level frame of
# the main thread must be this script's <module> (no site or importlib frames
# before it; see 110-start-script.sh).


def hello():
    print("hello from a script")


hello()

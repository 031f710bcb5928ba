"""A supervisor as a launch script would start it: pools with every start method,
an executor, a child without LD_PRELOAD in its environment, one under env -i, then an
exec of itself into a new program."""
import multiprocessing as mp
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor


def work_fork(x):
    return x * x


def work_spawn(x):
    return x * x


def work_forkserver(x):
    return x * x


def work_executor(x):
    return x * x


def pool(method, fn):
    with mp.get_context(method).Pool(2) as p:
        return sum(p.map(fn, range(4)))


def main():
    total = pool("fork", work_fork) + pool("spawn", work_spawn)
    total += pool("forkserver", work_forkserver)
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as ex:
        total += sum(ex.map(work_executor, range(4)))
    print("pools", total)
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    subprocess.run([sys.executable, "-c", "def stripped_env():\n    pass\nstripped_env()"],
                   env=env, check=True)
    subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", sys.executable, "-c",
                    "def env_i():\n    pass\nenv_i()"], check=True)
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-c",
                              "import sys\ndef after_exec():\n    return 6\nsys.exit(after_exec())"])


if __name__ == "__main__":
    main()

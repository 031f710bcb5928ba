# e2e: tree --files 040-async.py --c-of-kept
# asyncio: gather of two coroutines that await asyncio.sleep(0). Only this file's
# frames are kept (the event loop differs between versions); coroutine steps are
# called from the loop, so they sit at the top level. helper() is awaited directly
# and so nests inside work(); main() and work() each run in two steps.
import asyncio


def double(x):
    return x * 2


async def helper(x):
    return x + 1


async def work(tag):
    v = await helper(tag)
    await asyncio.sleep(0)
    return double(v)


async def main():
    results = await asyncio.gather(work(1), work(2))
    print(results)


asyncio.run(main())

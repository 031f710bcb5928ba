# calls.py: f called exactly 1000 times
def f(i):
    return i


for i in range(1000):
    f(i)
print("done")

# e2e: tree --files 060-c-calls.py --c-of-kept
# C functions: a method of a built-in type (list.append), a builtin (len), sorted
# calling a Python key function (Python called from C), a str method, and append
# called on a subclass of list: still list.append, named after the defining type.


class Stack(list):
    def push(self, x):
        self.append(x)


def key(x):
    return -x


def main():
    items = []
    items.append(3)
    items.append(1)
    n = len(items)
    s = sorted(items, key=key)
    t = "a,b".split(",")
    st = Stack()
    st.push(n)
    print(s, t, st)


main()

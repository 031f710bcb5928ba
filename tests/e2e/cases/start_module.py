# The module that 111-start-module runs with 'python -m start_module'.


def hello():
    print("hello from a module")


if __name__ == "__main__":
    hello()

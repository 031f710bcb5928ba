# Lazy imports (PEP 810, 3.15+; 193-lazy-import.sh skips older versions, for which this
# is a syntax error): the module is loaded where its name is first used, so its
# <module> frame runs inside use(), not at the import statement.
import sys
lazy import lazy_e2e_mod


def use():
    return lazy_e2e_mod.helper()


def main():
    print("loaded before use:", "lazy_e2e_mod" in sys.modules)
    print(use())


main()

# e2e: tree --files 191-annotations.py
# Deferred annotations (PEP 649, 3.14+): a function's or class's annotations are
# evaluated by its __annotate__ function, on first use, and vt records that call where it
# happens (before 3.14 they are evaluated at the definition, inside no frame of their
# own). 3.14 names a function's __annotate__ bare (its code object's co_qualname);
# 3.15 names it area.__annotate__, as a class's Point.__annotate__ on both.
import typing


class Point:
    x: int
    y: "Later"


def area(p: Point, scale: "Later" = None) -> int:
    return 0


class Later:
    pass


def main():
    print(sorted(area.__annotations__))
    print(sorted(typing.get_type_hints(Point)))
    print(sorted(typing.get_type_hints(area)))


main()

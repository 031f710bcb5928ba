#!/usr/bin/env python3
"""Check args.file of the Python frames of a vt-convert JSON file against the source.

usage: checkfile.py TRACE.json SCRIPT

Every 'py' X event whose file is SCRIPT must carry args.file = "SCRIPT:LINE", LINE
being where its code starts: 1 for <module> (its first statement before 3.10),
the def or class line for a function or class body of that name (the bare
co_name; qualified names are cut to it), and for an __annotate__ function (3.14+,
which evaluates a function's or class's annotations) that of its function or class.
There must be at least one such event. Prints each mismatch; exits 1 if any.
"""
import ast
import json
import sys


def starts(path):
    """Map each code name defined in `path` to the set of lines where one starts."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    # <module> starts at line 1, or before 3.10 at its first statement
    lines = {"<module>": {1, tree.body[0].lineno if tree.body else 1}}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            lines.setdefault(node.name, set()).add(first)
            lines.setdefault("__annotate__", set()).update({first, node.lineno})
        elif isinstance(node, ast.Lambda):
            lines.setdefault("<lambda>", set()).add(node.lineno)
    return lines


def main():
    trace, script = sys.argv[1], sys.argv[2]
    want = starts(script)
    bad = seen = 0
    for e in json.load(open(trace))["traceEvents"]:
        if e.get("ph") != "X" or e.get("cat") != "py":
            continue
        f = e.get("args", {}).get("file", "")
        path, _, line = f.rpartition(":")
        if path != script:
            continue
        seen += 1
        name = e["name"].rsplit(".", 1)[-1]
        if not line.isdigit() or int(line) not in want.get(name, ()):
            bad += 1
            if bad <= 10:
                print("%s: file is %r; %s starts at line %s" % (
                    e["name"], f, name, sorted(want.get(name, [])) or "?"))
    if not seen:
        print("no Python frame has file %r" % script)
        sys.exit(1)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

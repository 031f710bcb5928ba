#!/bin/sh
# demo.sh - trace examples/demo_app.py with vt, convert it, and say where the JSON is.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python3}
out="$top/build/demo-trace"
rm -rf "$out" "$out.json"

echo "demo: tracing examples/demo_app.py with $($py -c 'import sys; print(sys.version.split()[0])')"
LD_PRELOAD="$top/build/libvt.so" VT_OUTPUT="$out" "$py" "$top/examples/demo_app.py"
echo "demo: trace directory $out ($(ls "$out" | wc -l) files, $(du -sh "$out" | cut -f1))"
"$top/build/vt-convert" "$out" -o "$out.json"
echo
echo "demo: the timeline is in $out.json"
echo "      open it in Perfetto UI ("Open trace file"), chrome://tracing or speedscope"

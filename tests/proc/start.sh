#!/bin/bash
# An unchanged production-style launch script: shell commands, then a Python supervisor.
echo "start: $(ls / | wc -l) entries in /"
env true
"$PY" "$(dirname "$0")/supervisor.py"
status=$?
echo "start: supervisor exited $status"
exit $status

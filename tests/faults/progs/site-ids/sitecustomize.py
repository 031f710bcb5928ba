# taken before vt starts (site runs before the program): vt has no free tool id
import sys

if hasattr(sys, "monitoring"):
    sys.monitoring.use_tool_id(3, "site3")
    sys.monitoring.use_tool_id(4, "site4")

"""`make demo` tells the whole story through a real MCP client; it must keep working."""

import subprocess
import sys

from conftest import REPO_ROOT


def test_demo_runs_the_full_story() -> None:
    out = subprocess.run([sys.executable, str(REPO_ROOT / "demo" / "demo.py")], capture_output=True, text=True,
                         timeout=300, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    text = out.stdout
    for expected in [
        "durable-guide://wait-operations",                     # guides listed as resources
        "best topics: ['wait-operations'",                     # question routing
        "buggy.py:11 DUR001", "buggy.py:12 DUR002",            # the replay bugs, on their lines
        "status SUSPENDED", "waiting on callback 'manager-approval'",
        '"status": "SUCCEEDED"',                               # the callback completed the execution
        "step 'charge-card' raised PaymentDeclined",           # diagnosis names the failing step
        "demo finished",
    ]:
        assert expected in text, f"{expected!r} missing from the demo output:\n{text[-3000:]}"

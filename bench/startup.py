"""Startup and tools/list size: spawn-to-answered-tools/list over stdio, against a bare server.

    .venv/bin/python bench/startup.py [--runs 15]

Both servers are spawned the same way (this interpreter, a fresh process each run) and driven by
the SDK's stdio client; the figure is the median wall time from spawn to the tools/list answer.
Goals (issue 2): at most 1.10x the bare server, and tools/list at most 12,000 characters.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
import mcp
from mcp.client.stdio import StdioServerParameters

HERE = Path(__file__).resolve().parent


async def time_once(params: StdioServerParameters) -> tuple[float, int]:
    start = time.perf_counter()
    async with mcp.Client(params) as client:
        listed = await client.list_tools()
        elapsed = time.perf_counter() - start
    tools = listed.model_dump(mode="json", by_alias=True, exclude_none=True)["tools"]
    return elapsed, len(json.dumps(tools))


async def measure(runs: int) -> dict[str, float]:
    workspace = tempfile.mkdtemp()
    ours = StdioServerParameters(command=sys.executable, args=["-m", "lambda_durable_mcp", "--workspace-root",
                                                               workspace], cwd=workspace)
    bare = StdioServerParameters(command=sys.executable, args=[str(HERE / "bare_server.py")], cwd=workspace)
    ours_t: list[float] = []
    bare_t: list[float] = []
    size = 0
    await time_once(ours)  # warm the OS file cache for both before timing
    await time_once(bare)
    for _ in range(runs):  # interleaved so that machine noise hits both alike
        t, size = await time_once(ours)
        ours_t.append(t)
        t, _ = await time_once(bare)
        bare_t.append(t)
    return {
        "ours_median_s": statistics.median(ours_t),
        "bare_median_s": statistics.median(bare_t),
        "ratio": statistics.median(ours_t) / statistics.median(bare_t),
        "tools_list_chars": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    result = anyio.run(measure, args.runs)
    print(json.dumps({k: round(v, 3) for k, v in result.items()}, indent=2))
    print(f"startup {result['ratio']:.2f}x bare (goal <= 1.10x); tools/list {result['tools_list_chars']} chars "
          "(goal <= 12000)")


if __name__ == "__main__":
    main()

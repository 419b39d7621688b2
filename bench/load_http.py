"""Load: 200 concurrent tool calls over streamable HTTP (guides and validate), no errors, bounded memory.

    .venv/bin/python bench/load_http.py [--calls 200] [--clients 20]

Spawns the server on a free loopback port, opens --clients MCP clients and fires --calls tool calls
at once, spread over them. Prints p50/p99 latency, errors and the server's resident memory before
and after (from /proc). Traffic stays on 127.0.0.1.
"""

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

import anyio
import mcp

SCRIPT = Path(sys.executable).with_name("lambda-durable-mcp")
CODE = "export const handler = withDurableExecution(async (event, context) => { const t = Date.now(); });\n"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call_for(i: int) -> tuple[str, dict[str, object]]:
    if i % 2:
        return "get_durable_guide", {"question": "how do I wait for a callback with a timeout"}
    return "validate_durable_code", {"code": CODE, "language": "typescript"}


async def run(url: str, calls: int, clients: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0

    async def worker(client: mcp.Client, i: int) -> None:
        nonlocal errors
        name, args = call_for(i)
        start = time.perf_counter()
        try:
            result = await client.call_tool(name, args)
            if result.is_error:
                errors += 1
        except Exception:
            errors += 1
        latencies.append(time.perf_counter() - start)

    async with AsyncExitStack() as stack:
        opened = [await stack.enter_async_context(mcp.Client(url)) for _ in range(clients)]
        async with anyio.create_task_group() as tg:
            for i in range(calls):
                tg.start_soon(worker, opened[i % clients], i)
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    port = free_port()
    proc = subprocess.Popen([str(SCRIPT), "--transport", "streamable-http", "--port", str(port),
                             "--workspace-root", tempfile.mkdtemp()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/mcp"
        anyio.run(run, url, 10, 2)  # warm-up: lazy imports, guide index
        before = rss_kib(proc.pid)
        latencies, errors = anyio.run(run, url, args.calls, args.clients)
        after = rss_kib(proc.pid)
        latencies.sort()
        report = {
            "calls": len(latencies), "errors": errors,
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
            "rss_before_mib": round(before / 1024, 1), "rss_after_mib": round(after / 1024, 1),
        }
        print(json.dumps(report, indent=2))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()

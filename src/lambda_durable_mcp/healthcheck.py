"""Container health check: exit 0 only when the MCP server answers tools/list over HTTP.

    python -m lambda_durable_mcp.healthcheck [--url http://127.0.0.1:8000/mcp] [--timeout 5]
"""

import argparse
import sys

import anyio


async def _check(url: str) -> int:
    import mcp

    async with mcp.Client(url) as client:
        tools = (await client.list_tools()).tools
    return len(tools)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="healthcheck", allow_abbrev=False)
    parser.add_argument("--url", default="http://127.0.0.1:8000/mcp")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    try:
        count = anyio.run(_bounded, args.url, args.timeout)
    except Exception as exc:  # any failure means unhealthy; say why on stderr
        print(f"unhealthy: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"healthy: {count} tools", file=sys.stderr)
    return 0


async def _bounded(url: str, timeout: float) -> int:
    with anyio.fail_after(timeout):
        return await _check(url)


if __name__ == "__main__":
    raise SystemExit(main())

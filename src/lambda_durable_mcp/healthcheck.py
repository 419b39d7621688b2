"""Container health check: exit 0 only when the MCP server answers tools/list over HTTP.

    python -m lambda_durable_mcp.healthcheck [--url http://127.0.0.1:$MCP_PORT/mcp] [--timeout 5]

The default URL follows MCP_PORT (8000 when unset), the port the container's server listens on.
"""

import argparse
import os
import sys

import anyio


async def _check(url: str) -> int:
    import mcp

    async with mcp.Client(url) as client:
        tools = (await client.list_tools()).tools
    return len(tools)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="healthcheck", allow_abbrev=False)
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('MCP_PORT') or 8000}/mcp")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    try:
        count = anyio.run(_bounded, args.url, args.timeout)
    except Exception as exc:  # any failure means unhealthy; say why on stderr
        print(f"unhealthy: {_reason(exc, args.url, args.timeout)}", file=sys.stderr)
        return 1
    print(f"healthy: {count} tools", file=sys.stderr)
    return 0


def _reason(exc: BaseException, url: str, timeout: float) -> str:
    """The cause an operator can act on: the innermost error of the client's task groups, with the
    HTTP status when the server answered (421: the Host is not in --allowed-hosts)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status is not None:
        hint = " (the Host header is not an allowed host)" if status == 421 else ""
        return f"{url} answered HTTP {status}{hint}"
    if isinstance(exc, TimeoutError):
        return f"no answer from {url} within {timeout:g} s"
    return f"{url}: {type(exc).__name__}: {exc}".rstrip(": ")


async def _bounded(url: str, timeout: float) -> int:
    with anyio.fail_after(timeout):
        return await _check(url)


if __name__ == "__main__":
    raise SystemExit(main())

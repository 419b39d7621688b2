"""Wires the tool groups into one MCP server. No tool logic lives here."""

import logging
import os
import signal
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer

from lambda_durable_mcp import __version__, prompts
from lambda_durable_mcp.settings import Settings
from lambda_durable_mcp.tools import deploy, executions, guides, scaffold, validate
from lambda_durable_mcp.tools._common import trim_schemas

if TYPE_CHECKING:
    from mcp.server.transport_security import TransportSecuritySettings

# Registration order is the order of tools/list: knowledge first, then code, then AWS.
TOOL_GROUPS = (guides, validate, scaffold, executions, deploy)

INSTRUCTIONS = (
    "Helps you build AWS Lambda durable functions, whose handlers replay from the top on every "
    "invocation. Read a guide (get_durable_guide) before writing durable code, validate code with "
    "validate_durable_code, and read an execution's history before its logs."
)

log = logging.getLogger(__name__)


def build_server(settings: Settings) -> MCPServer:
    # A wrong argument reaches the agent as pydantic's message; its "For further information visit
    # https://errors.pydantic.dev/..." line costs tokens and says nothing the message does not.
    os.environ.setdefault("PYDANTIC_ERRORS_INCLUDE_URL", "0")
    server = MCPServer(
        "lambda-durable-mcp",
        title="Lambda durable functions",
        version=__version__,
        instructions=f"{INSTRUCTIONS} {settings.mode_sentence()}",
        log_level=settings.log_level,  # type: ignore[arg-type]
    )
    for group in TOOL_GROUPS:
        group.register(server, settings)
    prompts.register(server, settings)
    trim_schemas(server)
    log.debug("server built: %s", settings)
    return server


def transport_security(settings: Settings) -> "TransportSecuritySettings":
    """DNS-rebinding protection stays on: localhost plus the hosts named by --allowed-hosts."""
    from mcp.server.transport_security import TransportSecuritySettings

    names = ["127.0.0.1", "localhost", "[::1]", *settings.allowed_hosts]
    hosts = [pattern for name in names for pattern in (name, f"{name}:*")]
    origins = [f"{scheme}://{h}" for scheme in ("http", "https") for h in hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


# Seconds a stop signal waits for tool calls in flight (a local run may last minutes) before they
# are cancelled: `docker stop` kills after 10 s, so the server must be gone before that.
SHUTDOWN_GRACE_SECONDS = 8


def run_server(server: MCPServer, settings: Settings) -> None:
    if settings.transport == "stdio":
        server.run("stdio")
        return
    import copy

    import anyio
    import uvicorn
    from sse_starlette.sse import AppStatus
    from uvicorn.config import LOGGING_CONFIG

    # SSE responses (not json_response): progress notifications of a long deploy travel on the
    # request's stream; with plain JSON responses they were dropped.
    app = _InFlight(server.streamable_http_app(
        stateless_http=True, json_response=False, transport_security=transport_security(settings), host=settings.host))
    # sse-starlette would close every stream at the stop signal, cutting the answers of calls in
    # flight; the shutdown below closes them itself once those calls are done (or the grace is over).
    AppStatus.disable_automatic_graceful_drain()
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"  # stdout is no log channel here either
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower(),
                            log_config=log_config, timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal to the handler that was
    # there before it; make that one a clean exit so a stopped container reports status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    anyio.run(_bounded_shutdown_server(config, app).serve)


class _InFlight:
    """ASGI wrapper that counts requests being answered (tool calls; idle GET streams are not)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        self.count += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.count -= 1


def _bounded_shutdown_server(config: Any, app: _InFlight) -> Any:
    """uvicorn's server with a bounded stop: answers in flight may finish within the grace period,
    then the remaining streams are closed; tool calls run in worker threads that cancellation cannot
    interrupt, so a hard stop follows a second later."""
    import threading
    import time

    import uvicorn
    from sse_starlette.sse import AppStatus

    def drain() -> None:
        until = time.monotonic() + SHUTDOWN_GRACE_SECONDS - 0.5
        while app.count and time.monotonic() < until:
            time.sleep(0.1)
        AppStatus.should_exit = True  # closes the SSE streams still open (idle GET streams among them)

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            for target, delay in ((drain, 0.0), (_hard_exit, SHUTDOWN_GRACE_SECONDS + 1)):
                timer = threading.Timer(delay, target)
                timer.daemon = True  # an orderly shutdown before it is not held up
                timer.start()

    return Server(config)


def _hard_exit() -> None:
    import atexit
    import threading

    log.warning("tool calls still running %s s after the stop signal: stopping them", SHUTDOWN_GRACE_SECONDS + 1)
    # the exit functions stop the local emulator and its handler processes; one that waits on a lock
    # (a build in progress) must not hold the exit up
    cleanup = threading.Thread(target=atexit._run_exitfuncs, daemon=True)
    cleanup.start()
    cleanup.join(timeout=1.0)
    os._exit(0)

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
    from uvicorn.config import LOGGING_CONFIG

    # SSE responses (not json_response): progress notifications of a long deploy travel on the
    # request's stream; with plain JSON responses they were dropped.
    app = server.streamable_http_app(
        stateless_http=True, json_response=False, transport_security=transport_security(settings), host=settings.host)
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"  # stdout is no log channel here either
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower(),
                            log_config=log_config, timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal to the handler that was
    # there before it; make that one a clean exit so a stopped container reports status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    anyio.run(_bounded_shutdown_server(config).serve)


def _bounded_shutdown_server(config: Any) -> Any:
    """uvicorn's server, with a hard stop after the grace period: tool calls run in worker threads
    that cancellation cannot interrupt, so without it a stop waits as long as the longest call."""
    import threading

    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            timer = threading.Timer(SHUTDOWN_GRACE_SECONDS + 1, _hard_exit)
            timer.daemon = True  # an orderly shutdown before it is not held up
            timer.start()

    return Server(config)


def _hard_exit() -> None:
    import atexit

    log.warning("tool calls still running %s s after the stop signal: stopping them", SHUTDOWN_GRACE_SECONDS + 1)
    try:
        atexit._run_exitfuncs()  # stops the local emulator and its handler processes
    finally:
        os._exit(0)

"""Wires the tool groups into one MCP server. No tool logic lives here."""

import logging
import os
import signal
from typing import TYPE_CHECKING

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


def run_server(server: MCPServer, settings: Settings) -> None:
    if settings.transport == "stdio":
        server.run("stdio")
        return
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal to the handler that was
    # there before it; make that one a clean exit so a stopped container reports status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    server.run(
        "streamable-http",
        host=settings.host,
        port=settings.port,
        stateless_http=True,
        json_response=True,
        transport_security=transport_security(settings),
    )

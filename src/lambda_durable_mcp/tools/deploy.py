"""Tool group: deploy. (Filled in by its issue.)"""

from mcp.server.mcpserver import MCPServer

from lambda_durable_mcp.settings import Settings


def register(server: MCPServer, settings: Settings) -> None:
    """Register this group's tools and resources."""

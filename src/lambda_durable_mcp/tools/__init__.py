"""MCP tool groups, one module per domain; each exposes ``register(server, settings)``."""

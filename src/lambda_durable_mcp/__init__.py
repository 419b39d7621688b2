"""lambda-durable-mcp: an MCP server for building AWS Lambda durable functions."""

__version__ = "0.1.0"

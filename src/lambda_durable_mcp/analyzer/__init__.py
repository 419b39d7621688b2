"""Replay-safety analyzer for durable functions (TypeScript, JavaScript, Python, templates). No MCP imports."""

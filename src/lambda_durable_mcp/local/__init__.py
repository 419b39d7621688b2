"""The embedded local emulator: durable execution service + a loopback Lambda endpoint.

No MCP imports, and nothing heavy at import time: the durable testing package and boto3 load
only when the emulator starts.
"""

"""Reading durable execution histories: a compact operation timeline and a diagnosis.

Pure functions over the event dicts of GetDurableExecutionHistory (as boto3 returns them). No
MCP, no AWS calls. Every optional field may be missing (local emulators omit some).
"""

"""AWS access through boto3. No MCP imports; boto3 is imported lazily (startup is a feature)."""

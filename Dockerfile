# lambda-durable-mcp over streamable HTTP on port 8000.
#   docker build -t lambda-durable-mcp .
#   docker run -p 8000:8000 -e MCP_ALLOWED_HOSTS=mcp.example.com lambda-durable-mcp
# DNS-rebinding protection stays on: requests whose Host is not localhost or one of
# MCP_ALLOWED_HOSTS get HTTP 421. Add --allow-write / --allow-sensitive-data-access via MCP_FLAGS.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MCP_ALLOWED_HOSTS=localhost \
    MCP_FLAGS=""

# Node.js runs TypeScript/JavaScript handlers locally and the CDK CLI; the rest is Python.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/lambda-durable-mcp
COPY pyproject.toml README.md ./
COPY src ./src
COPY references ./references
RUN pip install . \
    && useradd --create-home --uid 10001 mcp \
    && mkdir -p /workspace && chown mcp:mcp /workspace

USER mcp
WORKDIR /workspace
EXPOSE 8000

# Really asks the server: an MCP client lists the tools over HTTP.
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
    CMD ["python", "-m", "lambda_durable_mcp.healthcheck", "--url", "http://127.0.0.1:8000/mcp"]

# exec form via sh so that MCP_FLAGS and MCP_ALLOWED_HOSTS expand; exec keeps PID 1 = the server,
# so SIGTERM reaches it and it shuts down gracefully.
ENTRYPOINT ["sh", "-c", "exec lambda-durable-mcp --transport streamable-http --host 0.0.0.0 --port 8000 --workspace-root /workspace --allowed-hosts \"$MCP_ALLOWED_HOSTS\" $MCP_FLAGS \"$@\"", "--"]

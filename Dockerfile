# lambda-durable-mcp over streamable HTTP.
#   docker build -t lambda-durable-mcp .
#   docker run -p 8000:8000 -v "$PWD:/workspace" -e MCP_ALLOWED_HOSTS=mcp.example.com lambda-durable-mcp
# Tools read and write paths below /workspace (mount the team's code there; the server runs as
# uid 10001, which needs write access for scaffolds). DNS-rebinding protection stays on: requests
# whose Host is not localhost or one of MCP_ALLOWED_HOSTS (comma-separated) get HTTP 421.
# Add --allow-write / --allow-sensitive-data-access via MCP_FLAGS; change the port with MCP_PORT.

# The release wheel: the analyzer's hot modules compiled with mypyc, as `make compiled` builds it
# (pyproject: hooks.mypyc), then checked to load compiled. The compiler stays in this stage.
FROM python:3.13-slim AS wheel
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
COPY references ./references
COPY scripts/check_compiled.py ./scripts/
RUN HATCH_BUILD_HOOKS_ENABLE=1 pip wheel --no-cache-dir --no-deps -w /wheels . \
    && pip install --no-cache-dir --no-deps --target /tmp/check /wheels/*.whl \
    && PYTHONPATH=/tmp/check python scripts/check_compiled.py

FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MCP_ALLOWED_HOSTS="" \
    MCP_FLAGS="" \
    MCP_PORT=8000

# Node.js runs TypeScript/JavaScript handlers locally (CDK deploys use the project's own
# node_modules); tini is PID 1, so handler processes that leave children behind leave no zombies.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm tini \
    && rm -rf /var/lib/apt/lists/*

# The SAM CLI (deploys of SAM projects, the Python scaffold's default) pins its own boto3 and
# pydantic: it gets a virtual environment of its own (about 340 MB).
ARG SAM_CLI_VERSION=1.170.0
RUN python -m venv /opt/sam \
    && /opt/sam/bin/pip install "aws-sam-cli==${SAM_CLI_VERSION}" \
    && ln -s /opt/sam/bin/sam /usr/local/bin/sam

COPY --from=wheel /wheels /wheels
RUN pip install /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --create-home --uid 10001 mcp \
    && mkdir -p /workspace && chown mcp:mcp /workspace

USER mcp
WORKDIR /workspace
EXPOSE 8000

# Really asks the server: an MCP client lists the tools over HTTP (on MCP_PORT).
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
    CMD ["python", "-m", "lambda_durable_mcp.healthcheck"]

# exec form via sh so that MCP_FLAGS, MCP_PORT and MCP_ALLOWED_HOSTS expand; exec keeps the server
# the direct child of tini, which forwards SIGTERM to it: it shuts down gracefully (in-flight tool
# calls get a few seconds) with exit 0.
ENTRYPOINT ["tini", "--", "sh", "-c", "exec lambda-durable-mcp --transport streamable-http --host 0.0.0.0 --port \"$MCP_PORT\" --workspace-root /workspace --allowed-hosts \"$MCP_ALLOWED_HOSTS\" $MCP_FLAGS \"$@\"", "--"]

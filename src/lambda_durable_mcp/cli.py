"""Command line: ``lambda-durable-mcp [flags]`` serves MCP; ``lambda-durable-mcp lint ...`` runs the analyzer."""

import argparse
import difflib
import logging
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from lambda_durable_mcp import __version__
from lambda_durable_mcp.settings import LOG_LEVELS, Settings

log = logging.getLogger("lambda_durable_mcp")


class StrictParser(argparse.ArgumentParser):
    """Refuses abbreviated or misspelled flags with a suggestion, exit code 2.

    ``--allow write`` (a space for a dash, seen in published configs) must not start a server
    that silently runs read-only, so unknown arguments are never tolerated.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(allow_abbrev=False, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        hints = []
        for token in sys.argv[1:] if self._argv is None else self._argv:
            if token.startswith("-") and token.split("=")[0] not in self._option_string_actions:
                close = difflib.get_close_matches(token.split("=")[0], self._option_string_actions, n=1)
                if close:
                    hints.append(f"did you mean {close[0]} instead of {token}?")
        text = message + ("; " + "; ".join(hints) if hints else "")
        self.exit(2, f"{self.prog}: error: {text}\n{self.prog}: see --help for the flags\n")

    _argv: Sequence[str] | None = None

    def parse(self, argv: Sequence[str]) -> argparse.Namespace:
        self._argv = list(argv)
        return self.parse_args(argv)


def serve_parser() -> StrictParser:
    p = StrictParser(
        prog="lambda-durable-mcp",
        description="MCP server for AWS Lambda durable functions. Subcommand: lint (see 'lint --help').",
    )
    p.add_argument("--version", action="version", version=f"lambda-durable-mcp {__version__}")
    p.add_argument("--allow-write", action="store_true",
                   help="enable tools that write files, change AWS resources, run code or send callbacks")
    p.add_argument("--allow-sensitive-data-access", action="store_true",
                   help="show execution payloads and logs (secrets still masked)")
    p.add_argument("--transport", choices=["stdio", "streamable-http"], default="stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    p.add_argument("--allowed-hosts", default="",
                   help="comma-separated Host names accepted over HTTP besides localhost")
    p.add_argument("--workspace-root", default=None,
                   help="tools that take paths are confined here (default: the working directory)")
    p.add_argument("--region", default=None, help="AWS region (else AWS_REGION)")
    p.add_argument("--profile", default=None, help="AWS profile (else AWS_PROFILE)")
    p.add_argument("--endpoint-url", default=None, help="send Lambda API calls to this emulator URL")
    p.add_argument("--local", action="store_true",
                   help="run executions on the embedded local durable-execution emulator")
    p.add_argument("--log-level", default="WARNING", type=str.upper, choices=LOG_LEVELS)
    return p


_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])"
                   r"(?::\d{1,5})?\Z")


def allowed_hosts(text: str) -> tuple[str, ...]:
    """Host names from --allowed-hosts (commas, spaces or semicolons between them), lowercased as
    clients send them. Anything that cannot match a Host header is refused: it would only ever give 421."""
    hosts = tuple(h.lower() for h in re.split(r"[\s,;]+", text) if h)
    bad = [h for h in hosts if not _HOST.match(h)]
    if bad:
        raise ValueError(f"--allowed-hosts: {', '.join(bad)} is no host name; give names as the Host header "
                         "carries them, e.g. mcp.example.com or mcp.example.com:8443 (no scheme, path or wildcard)")
    return hosts


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.build(
        workspace_root=args.workspace_root,
        region=args.region,
        profile=args.profile,
        allow_write=args.allow_write,
        allow_sensitive_data_access=args.allow_sensitive_data_access,
        transport=args.transport,
        host=args.host,
        port=args.port,
        allowed_hosts=allowed_hosts(args.allowed_hosts),
        endpoint_url=args.endpoint_url,
        local=args.local,
        log_level=args.log_level,
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["lint"]:
        from lambda_durable_mcp.analyzer.cli import main as lint_main

        return lint_main(argv[1:])

    parser = serve_parser()
    args = parser.parse(argv)
    if args.port < 0 or args.port > 65535:
        parser.error(f"--port must be 0..65535, got {args.port}")
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    if not settings.workspace_root.is_dir():
        parser.error(f"--workspace-root {settings.workspace_root} is not a directory")
    # stdout belongs to the protocol on stdio: every log line goes to stderr.
    logging.basicConfig(stream=sys.stderr, level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if settings.transport == "streamable-http" and settings.host not in ("127.0.0.1", "localhost", "::1"):
        # The Host/Origin checks stop browsers (DNS rebinding), not other clients: there is no login.
        logging.getLogger("lambda_durable_mcp").warning(
            "listening on %s:%s without authentication: anyone who can reach this port can call the tools%s; "
            "keep the port private or put an authenticating proxy in front", settings.host, settings.port,
            " (with --allow-write: write files, change AWS resources and run code)" if settings.allow_write else "")

    from lambda_durable_mcp.server import build_server, run_server

    run_server(build_server(settings), settings)
    return 0

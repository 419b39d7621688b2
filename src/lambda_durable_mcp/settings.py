"""Server settings: one immutable object built from command-line flags and the environment."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Transport = Literal["stdio", "streamable-http"]
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Settings:
    allow_write: bool = False
    allow_sensitive_data_access: bool = False
    transport: Transport = "stdio"
    host: str = "127.0.0.1"
    port: int = 8000
    allowed_hosts: tuple[str, ...] = ()
    workspace_root: Path = field(default_factory=lambda: Path.cwd().resolve())
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    local: bool = False
    log_level: str = "WARNING"

    @classmethod
    def build(
        cls,
        *,
        env: dict[str, str] | None = None,
        workspace_root: str | Path | None = None,
        region: str | None = None,
        profile: str | None = None,
        **flags: object,
    ) -> "Settings":
        """Flags win over the environment; the workspace root is resolved once, here."""
        env = dict(os.environ) if env is None else env
        root = Path(workspace_root) if workspace_root else Path.cwd()
        return cls(
            workspace_root=root.expanduser().resolve(),
            region=region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
            profile=profile or env.get("AWS_PROFILE"),
            **flags,  # type: ignore[arg-type]
        )

    def mode_sentence(self) -> str:
        """One or two sentences for the server's instructions: what this session may do."""
        write = (
            "Write tools (files, AWS changes, running code, callbacks) are enabled."
            if self.allow_write
            else "Read-only mode: write tools refuse until the server runs with --allow-write."
        )
        data = (
            "Execution payloads and logs are shown (secrets masked)."
            if self.allow_sensitive_data_access
            else "Execution payloads and logs are withheld (--allow-sensitive-data-access shows them)."
        )
        target = " Executions run on the embedded local emulator." if self.local else ""
        if self.endpoint_url and not self.local:
            target = f" Lambda API calls go to {self.endpoint_url}."
        return f"{write} {data}{target}"

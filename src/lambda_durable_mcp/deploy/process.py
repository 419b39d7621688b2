"""Running the build and deploy tools: argument lists only, no shell, bounded time, captured output.

Output never reaches our stdout (the MCP protocol on stdio); each line may be handed to a callback
(progress notifications), and the tail is kept for error messages.
"""

import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lambda_durable_mcp.deploy.errors import DeployError

log = logging.getLogger(__name__)

TAIL_LINES = 40
MAX_LINE = 400  # minified code in a stack trace would crowd out everything else


@dataclass(frozen=True)
class Completed:
    returncode: int
    output: str   # the last TAIL_LINES lines, stdout and stderr interleaved
    seconds: float


def which(name: str, *first: Path, fallback: tuple[Path, ...] = ()) -> str | None:
    """``name`` in one of the ``first`` directories, else on PATH, else in a ``fallback`` directory."""

    def executable(directory: Path) -> str | None:
        candidate = directory / name
        return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None

    for directory in first:
        if found := executable(directory):
            return found
    if found := shutil.which(name):
        return found
    for directory in fallback:
        if found := executable(directory):
            return found
    return None


def run(
    args: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Completed:
    """Run ``args`` (no shell) in ``cwd``; kill the whole process group past ``timeout`` seconds."""
    started = time.monotonic()
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    full_env = {**os.environ, **(env or {})}
    try:
        proc = subprocess.Popen(  # noqa: S603 - argument list, no shell
            list(args), cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True,
        )
    except OSError as exc:
        raise DeployError(f"Could not start {args[0]}: {exc}") from exc

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            if not line:
                continue
            tail.append(line if len(line) <= MAX_LINE else line[:MAX_LINE] + " …")
            if on_line is not None:
                try:
                    on_line(line)
                except Exception:  # progress reporting must never break the run
                    log.debug("progress callback failed", exc_info=True)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        reader.join(timeout=5)
        raise DeployError(
            f"{Path(args[0]).name} {' '.join(args[1:2])} did not finish within {int(timeout)} s and was stopped. "
            "Last output:\n" + "\n".join(tail)
        ) from None
    reader.join(timeout=5)
    return Completed(proc.returncode, "\n".join(tail), time.monotonic() - started)

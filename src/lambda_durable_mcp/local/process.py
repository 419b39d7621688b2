"""Run one Lambda invocation of a user handler in a subprocess, never in the server's process.

The handler's stdout and stderr are captured (the server's stdout is the MCP protocol); its
response comes back through a file. A crash, a hang (killed at the invocation timeout) or a
flood of output stays in the subprocess.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_durable_mcp.local.handlers import (
    HandlerError,
    HandlerSpec,
    esbuild_binary,
    node_binary,
    node_project_root,
    python_interpreter,
    python_paths,
)

log = logging.getLogger(__name__)

RUNNERS = Path(__file__).resolve().parent / "runners"
PY_RUNNER = RUNNERS / "py_runner.py"
NODE_RUNNER = RUNNERS / "node_runner.mjs"
OUTPUT_LIMIT = 64_000
BUILD_TIMEOUT_S = 120
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIALOCALEMULATOR000",
    "AWS_SECRET_ACCESS_KEY": "local-emulator-dummy-secret",
}


@dataclass(frozen=True)
class PreparedHandler:
    """A handler ready to run: the command, the module the runner loads, its import roots."""

    spec: HandlerSpec
    function_name: str
    command: tuple[str, ...]
    module_file: Path
    cwd: Path
    durable: bool
    sys_path: tuple[str, ...] = ()


@dataclass
class InvocationOutcome:
    ok: bool
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    stack_trace: list[str] = field(default_factory=list)
    output: str = ""
    timed_out: bool = False
    crashed: bool = False
    duration_s: float = 0.0

    def error_payload(self) -> dict[str, Any]:
        """The body Lambda returns for a function error."""
        return {
            "errorType": self.error_type or "Runtime.Unknown",
            "errorMessage": self.error_message or "",
            "stackTrace": self.stack_trace,
        }


def prepare(spec: HandlerSpec, root: Path, function_name: str, build_dir: Path) -> PreparedHandler:
    """Resolve the runtime for ``spec``; TypeScript is bundled here, once per registration."""
    durable = spec.is_durable()
    if spec.language == "python":
        return PreparedHandler(
            spec=spec,
            function_name=function_name,
            command=(python_interpreter(spec, root), "-u", str(PY_RUNNER)),
            module_file=spec.file,
            cwd=spec.file.parent,
            durable=durable,
            sys_path=tuple(python_paths(spec, root)),
        )
    node = node_binary()
    if node is None:
        raise HandlerError(
            f"{spec.file.name} needs Node.js, which is not on PATH: install Node.js 20+ "
            "(22+ recommended for the durable SDK)"
        )
    project = node_project_root(spec, root)
    if project is None:
        raise HandlerError(
            f"no node_modules found between {spec.file.parent} and the workspace root: run "
            "`npm install` in the handler's project (it needs @aws/durable-execution-sdk-js)"
        )
    module_file = spec.file
    command: tuple[str, ...] = (node, "--enable-source-maps", str(NODE_RUNNER))
    if spec.is_typescript:
        module_file = _bundle_typescript(spec, root, build_dir)
    return PreparedHandler(
        spec=spec,
        function_name=function_name,
        command=command,
        module_file=module_file,
        cwd=project,
        durable=durable,
    )


def _bundle_typescript(spec: HandlerSpec, root: Path, build_dir: Path) -> Path:
    esbuild = esbuild_binary(spec, root)
    if esbuild is None:
        raise HandlerError(
            f"{spec.file.name}: TypeScript handlers are bundled with esbuild, which was not found "
            "in the project's node_modules or on PATH: run `npm install --save-dev esbuild`"
        )
    digest = hashlib.sha256(str(spec.file).encode()).hexdigest()[:12]
    out = build_dir / f"{spec.file.stem}-{digest}.cjs"
    argv = [
        esbuild,
        str(spec.file),
        "--bundle",
        "--platform=node",
        "--format=cjs",
        "--target=node20",
        "--sourcemap=inline",
        "--log-level=error",
        f"--outfile={out}",
    ]
    try:
        done = subprocess.run(  # noqa: S603 - argv list, no shell
            argv,
            cwd=spec.file.parent,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise HandlerError(f"esbuild did not finish bundling {spec.file.name} in {BUILD_TIMEOUT_S}s") from exc
    if done.returncode != 0:
        raise HandlerError(f"esbuild could not bundle {spec.file.name}:\n{(done.stderr or done.stdout)[-4000:]}")
    return out


def handler_environment(function_name: str, lambda_api_url: str, region: str) -> dict[str, str]:
    """The environment of a local invocation: the user's, minus every AWS identity, plus the
    emulator's endpoint and dummy credentials (local runs never touch a real account)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(DUMMY_CREDENTIALS)
    env.update(
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        AWS_ENDPOINT_URL_LAMBDA=lambda_api_url,
        AWS_LAMBDA_FUNCTION_NAME=function_name,
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="512",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONIOENCODING="utf-8",
        # The AWS SDK for JavaScript warns on every Node.js < 22 start; the docs say it once.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED="true",
    )
    return env


class ProcessTracker:
    """The live subprocesses, by durable execution ARN, so that a stop can kill them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: dict[int, tuple[str | None, subprocess.Popen[bytes]]] = {}

    def add(self, key: str | None, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs[proc.pid] = (key, proc)

    def remove(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs.pop(proc.pid, None)

    def kill(self, key: str | None = None) -> int:
        """Kill the processes of one execution (or all with key None); returns how many."""
        with self._lock:
            victims = [p for k, p in self._procs.values() if key is None or k == key]
        for proc in victims:
            _kill_group(proc)
        return len(victims)

    def active(self, key: str | None = None) -> int:
        with self._lock:
            return sum(1 for k, _ in self._procs.values() if key is None or k == key)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.kill()
        except OSError:
            pass


def _communicate_bounded(proc: subprocess.Popen[bytes], data: bytes, timeout_s: float) -> tuple[bytes, bool]:
    """Like ``communicate``, but only the last bytes of the output stay in memory: a handler that
    writes without end cannot exhaust the server's memory. Returns (output tail, timed out)."""
    keep = OUTPUT_LIMIT * 4  # bytes: up to 4 per character
    tail = bytearray()

    def feed() -> None:
        try:
            assert proc.stdin is not None
            proc.stdin.write(data)
            proc.stdin.close()
        except OSError:  # the handler exited or closed stdin
            pass

    def pump() -> None:
        assert proc.stdout is not None
        while chunk := proc.stdout.read1(65536):
            tail.extend(chunk)
            if len(tail) > 2 * keep:
                del tail[:-keep]

    threads = [threading.Thread(target=feed, daemon=True), threading.Thread(target=pump, daemon=True)]
    for thread in threads:
        thread.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        proc.wait()
    for thread in threads:
        thread.join(5)
    return bytes(tail[-keep:]), timed_out


def run_invocation(
    handler: PreparedHandler,
    event: Any,
    *,
    env: dict[str, str],
    timeout_s: float,
    context: dict[str, Any],
    tracker: ProcessTracker | None = None,
    track_key: str | None = None,
    on_output: Callable[[str], None] | None = None,
) -> InvocationOutcome:
    """Run ``handler`` once with ``event``; never raises for anything the handler does."""
    request = {
        "file": str(handler.module_file),
        "source": str(handler.spec.file),  # the user's file, for messages (file may be a temporary bundle)
        "handler": handler.spec.export,
        "sys_path": list(handler.sys_path),
        "event": event,
        "context": {**context, "deadline_ms": int((time.time() + timeout_s) * 1000)},
        "timeout_s": timeout_s,
    }
    fd, response_path = tempfile.mkstemp(prefix="ldm-invoke-", suffix=".json")
    os.close(fd)
    started = time.monotonic()
    try:
        try:
            proc = subprocess.Popen(  # noqa: S603 - argv list, no shell
                [*handler.command, response_path],
                cwd=handler.cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            return InvocationOutcome(
                ok=False, error_type="Runtime.StartFailed", error_message=str(exc), crashed=True
            )
        if tracker is not None:
            tracker.add(track_key, proc)
        try:
            raw, timed_out = _communicate_bounded(proc, json.dumps(request).encode(), timeout_s)
        finally:
            if tracker is not None:
                tracker.remove(proc)
        output = raw.decode("utf-8", errors="replace")[-OUTPUT_LIMIT:]
        if on_output and output:
            on_output(output)
        duration = time.monotonic() - started
        if timed_out:
            return InvocationOutcome(
                ok=False,
                error_type="Sandbox.Timedout",
                error_message=f"Task timed out after {timeout_s:.0f} seconds",
                output=output,
                timed_out=True,
                duration_s=duration,
            )
        try:
            with open(response_path, encoding="utf-8") as fh:
                text = fh.read()
            response = json.loads(text) if text else None
        except (OSError, ValueError):
            response = None
        if not isinstance(response, dict):
            return InvocationOutcome(
                ok=False,
                error_type="Runtime.ExitError",
                error_message=f"handler process exited with code {proc.returncode} before returning a result",
                output=output,
                crashed=True,
                duration_s=duration,
            )
        if response.get("ok"):
            return InvocationOutcome(ok=True, result=response.get("result"), output=output, duration_s=duration)
        return InvocationOutcome(
            ok=False,
            error_type=str(response.get("errorType") or "Error"),
            error_message=str(response.get("errorMessage") or ""),
            stack_trace=[str(x) for x in response.get("stackTrace") or []],
            output=output,
            duration_s=duration,
        )
    finally:
        try:
            os.unlink(response_path)
        except OSError:
            pass


def new_request_id() -> str:
    return str(uuid.uuid4())

"""Every user-supplied path is resolved and confined to the workspace root before use.

No MCP imports: the analyzer, scaffolder and deployer use this directly. Tools turn
``ConfinementError`` into a ``ToolError``.
"""

from pathlib import Path


class ConfinementError(ValueError):
    """A path or argument that must not be used; the message says why and what to do."""


def resolve_in_workspace(root: Path, user_path: str | Path, *, must_exist: bool = False) -> Path:
    """Resolve ``user_path`` (relative paths against ``root``) and refuse anything outside ``root``.

    Symlinks are resolved first, so a link inside the workspace that leads out is refused too.
    """
    text = str(user_path)
    if not text.strip():
        raise ConfinementError("empty path: give a path inside the workspace root")
    if "\x00" in text:
        raise ConfinementError("path contains a NUL byte")
    root = root.resolve()
    candidate = Path(text).expanduser()
    if not candidate.is_absolute():
        candidate = root / candidate
    resolved = candidate.resolve()
    if resolved != root and root not in resolved.parents:
        raise ConfinementError(
            f"{text!r} resolves to {resolved}, outside the workspace root {root}; "
            "use a path inside it or start the server with --workspace-root"
        )
    if must_exist and not resolved.exists():
        raise ConfinementError(f"{text!r} does not exist under the workspace root {root}")
    return resolved


def safe_argument(value: str, what: str) -> str:
    """Refuse values that a subprocess would read as a flag (``-x``, ``--y``)."""
    if value.startswith("-"):
        raise ConfinementError(f"{what} {value!r} starts with '-', which a command would read as a flag")
    if "\x00" in value:
        raise ConfinementError(f"{what} contains a NUL byte")
    return value

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
    # `~` is not expanded: paths are relative to the workspace root, and a home folder is none of its business
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = root / candidate
    try:
        resolved = candidate.resolve()
        exists = resolved.exists() if must_exist else True
    except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long for the file system
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise ConfinementError(f"{text[:200]!r} cannot be resolved ({reason}); give a plain path inside the "
                               "workspace root") from None
    if resolved != root and root not in resolved.parents:
        # where it leads is not shown: that would tell what lies outside the workspace
        raise ConfinementError(
            f"{text[:200]!r} leads outside the workspace root {root} (through '..', an absolute path or a "
            "symlink); use a path inside it or start the server with --workspace-root"
        )
    if not exists:
        raise ConfinementError(f"{text[:200]!r} does not exist under the workspace root {root}")
    return resolved


def safe_argument(value: str, what: str) -> str:
    """Refuse values that a subprocess would read as a flag (``-x``, ``--y``)."""
    if value.startswith("-"):
        raise ConfinementError(f"{what} {value!r} starts with '-', which a command would read as a flag")
    if "\x00" in value:
        raise ConfinementError(f"{what} contains a NUL byte")
    return value

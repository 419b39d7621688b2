"""Writing a planned project under the workspace root: confined, and never overwriting by surprise."""

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lambda_durable_mcp.confine import ConfinementError, resolve_in_workspace
from lambda_durable_mcp.scaffold.project import Project, ScaffoldError


@dataclass
class WriteReport:
    directory: Path
    written: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)


def target_directory(root: Path, directory: str) -> Path:
    """The project folder, resolved inside the workspace root (raises ConfinementError)."""
    target = resolve_in_workspace(root, directory)
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{directory!r} exists and is not a directory: choose another directory")
    return target


def existing_files(root: Path, target: Path, project: Project) -> list[str]:
    """Project files that already exist in ``target`` (each path confined, symlinks included)."""
    found: list[str] = []
    for item in project.files:
        path = target / item.path
        if path.is_symlink() or path.exists():
            _confined(root, path, item.path)
            if path.is_dir():
                raise ScaffoldError(f"{item.path!r} exists as a directory in {target}: move it away first")
            found.append(item.path)
    return found


def _confined(root: Path, path: Path, shown: str) -> Path:
    try:
        return resolve_in_workspace(root, path)
    except ConfinementError as exc:
        raise ConfinementError(f"{shown}: {exc}") from None


def write(root: Path, directory: str, project: Project, *, overwrite: bool = False) -> WriteReport:
    target = target_directory(root, directory)
    existing = existing_files(root, target, project)
    if existing and not overwrite:
        first = sorted(existing, key=lambda p: (not p.startswith("src/"), p))  # the code people edit, first
        shown = ", ".join(first[:8]) + (f" and {len(existing) - 8} more" if len(existing) > 8 else "")
        raise ScaffoldError(
            f"{len(existing)} file(s) already exist in {directory!r}: {shown}. Nothing was written. "
            "Choose a new directory, or pass overwrite=true to replace them."
        )
    report = WriteReport(directory=target, replaced=list(existing))
    # Every path is checked before the first write, so a refusal leaves nothing behind.
    for item in project.files:
        _confined(root, target / item.path, item.path)
        for parent in (target / item.path).parents:
            if parent == target or target not in parent.parents:
                break
            if parent.exists() and not parent.is_dir():
                raise ScaffoldError(f"{parent.relative_to(target).as_posix()!r} exists in {directory!r} and is not "
                                    "a folder, but the project needs one there: move it away first. Nothing was "
                                    "written.")
    for item in project.files:
        entry = target / item.path
        entry.parent.mkdir(parents=True, exist_ok=True)
        # Re-check after creating parents: a parent may be a symlink that leads out.
        folder = _confined(root, entry.parent, item.path)
        _replace(folder / entry.name, item.content)
        report.written.append(item.path)
    return report


def _replace(path: Path, content: str) -> None:
    """Write a new file and rename it over ``path``: an existing link there is replaced, never written
    through (a symlink's target, or a hard link's other names, keep their content)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

"""Build the zip that ``direct`` uploads: Python with its requirements, TypeScript bundled, JS as is."""

import io
import json
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from lambda_durable_mcp.deploy.errors import DeployError
from lambda_durable_mcp.deploy.process import run, which
from lambda_durable_mcp.deploy.project import SKIP_DIRS, Handler

PIP_TIMEOUT_S = 300
ESBUILD_TIMEOUT_S = 120
MAX_ZIP_BYTES = 50 * 1024 * 1024  # CreateFunction's direct upload limit
# The repository's own toolchain, present in a development checkout only.
_REPO_TOOLCHAIN_BIN = Path(__file__).resolve().parents[3] / "toolchain" / "node_modules" / ".bin"


def _files(root: Path, *, keep_node_modules: bool = False, skip_paths: frozenset[str] = frozenset()
           ) -> Iterator[Path]:
    """The files to package under root. A file symlink that leads outside root is refused: the package
    would carry a file from elsewhere on this machine (directory symlinks are not followed at all).
    ``skip_paths``: folders to leave out, relative to root (``node_modules/jest``)."""
    skip = SKIP_DIRS - ({"node_modules"} if keep_node_modules else set())
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if here == "." else here + "/"
        dirnames[:] = sorted(d for d in dirnames if d not in skip and not d.startswith(".")
                             and prefix + d not in skip_paths)
        for name in sorted(filenames):
            if name.endswith((".pyc", ".zip")) or name.startswith("."):
                continue
            path = Path(dirpath) / name
            if not path.is_symlink() and not path.is_file():
                continue  # a FIFO, socket or device: nothing to package, and reading a FIFO would block
            if path.is_symlink():
                target = path.resolve()
                if not target.exists():
                    raise DeployError(f"{path.relative_to(root).as_posix()} is a broken symlink (to {target}): "
                                      "fix or remove it before deploying.")
                if not target.is_relative_to(real_root):
                    raise DeployError(
                        f"{path.relative_to(root).as_posix()} is a symlink to {target}, outside {root.name}/: "
                        "deploying would upload a file from outside the project. Replace the link with a copy "
                        "of the file, or remove it."
                    )
                if not target.is_file():
                    continue  # a link to a FIFO or device inside the project
            yield path


def _zip(entries: Iterator[tuple[Path, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, arcname in entries:
            info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    if len(data) > MAX_ZIP_BYTES:
        raise DeployError(
            f"The package is {len(data) // 1_048_576} MB, over the 50 MB direct upload limit: "
            "trim dependencies or deploy with method='sam' or 'cdk' (they upload through S3)."
        )
    return data


def _pip_install(requirements: Path, target: Path, runtime: str, progress: Callable[[str], None]) -> None:
    python_version = runtime.removeprefix("python")
    progress(f"pip install -r {requirements.name} for {runtime}")
    result = run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
         "--target", str(target), "--requirement", str(requirements),
         # Lambda's Linux, not this machine: binary wheels for the runtime's Python.
         "--platform", "manylinux2014_x86_64", "--implementation", "cp",
         "--python-version", python_version, "--only-binary=:all:"],
        cwd=requirements.parent, timeout=PIP_TIMEOUT_S,
    )
    if result.returncode != 0:
        raise DeployError(
            f"pip could not install {requirements.name} for {runtime} (Linux x86_64 wheels only):\n"
            f"{result.output}\nFix the requirement, or pin a version that publishes wheels."
        )


def _esbuild(project: Path) -> str:
    found = which("esbuild", project / "node_modules" / ".bin", fallback=(_REPO_TOOLCHAIN_BIN,))
    if not found:
        raise DeployError(
            "TypeScript needs esbuild to bundle: run `npm install --save-dev esbuild` in the project, "
            "then deploy again."
        )
    return found


def require_node_modules(project: Path) -> None:
    """A Node.js project whose dependencies were never installed fails late and obscurely: say so now."""
    if (project / "package.json").is_file() and not (project / "node_modules").is_dir():
        raise DeployError(f"{project.name}/node_modules is missing: run `npm ci` (or `npm install`) in the project, "
                          "then deploy again.")


def build_zip(handler: Handler, runtime: str, project: Path, progress: Callable[[str], None]) -> bytes:
    """The deployment package for ``handler`` as zip bytes."""
    if handler.language == "python":
        with tempfile.TemporaryDirectory(prefix="durable-pkg-") as tmp:
            deps = Path(tmp)
            requirements = next((r for r in (handler.code_root / "requirements.txt", project / "requirements.txt")
                                 if r.is_file()), project / "requirements.txt")
            if requirements.is_file() and re.search(r"(?m)^\s*[^#\s]", requirements.read_text()):
                _pip_install(requirements, deps, runtime, progress)
            entries = [(p, p.relative_to(deps).as_posix()) for p in _files(deps, keep_node_modules=True)
                       if "__pycache__" not in p.parts]
            own = [(p, p.relative_to(handler.code_root).as_posix()) for p in _files(handler.code_root)
                   if p.suffix not in (".toml", ".cfg", ".lock", ".md", ".zip")
                   and p.name != "requirements.txt"]
            return _zip(iter(entries + own))
    if handler.typescript:
        require_node_modules(project)
        with tempfile.TemporaryDirectory(prefix="durable-pkg-") as tmp:
            out = Path(tmp) / "index.js"
            node_major = re.sub(r"\D", "", runtime) or "22"
            progress(f"esbuild {handler.entry.relative_to(project)}")
            result = run(
                [_esbuild(project), str(handler.entry), "--bundle", "--platform=node",
                 f"--target=node{node_major}", "--format=cjs", f"--outfile={out}", "--log-level=warning"],
                cwd=project, timeout=ESBUILD_TIMEOUT_S,
            )
            if result.returncode != 0 or not out.is_file():
                raise DeployError(
                    f"esbuild could not bundle {handler.entry.name}:\n{result.output}\n"
                    "Fix the errors (npx tsc --noEmit shows them all) or install the missing packages."
                )
            return _zip(iter([(out, "index.js")]))
    dev_only = dev_packages(project)
    if dev_only:
        progress(f"leaving out {len(dev_only)} devDependencies (package-lock.json)")
    return _zip((p, p.relative_to(project).as_posix())
                for p in _files(project, keep_node_modules=True, skip_paths=dev_only))


def dev_packages(project: Path) -> frozenset[str]:
    """node_modules folders that package-lock.json marks as needed only in development (`"dev": true`):
    test runners, type checkers and bundlers have no place in the function's package."""
    lock = project / "package-lock.json"
    try:
        packages = json.loads(lock.read_text()).get("packages") if lock.is_file() else None
    except (OSError, ValueError):
        return frozenset()
    if not isinstance(packages, dict):
        return frozenset()
    return frozenset(path for path, entry in packages.items()
                     if path.startswith("node_modules/") and isinstance(entry, dict) and entry.get("dev") is True)

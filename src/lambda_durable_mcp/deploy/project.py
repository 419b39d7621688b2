"""What a project is: which deploy method fits it, and (for ``direct``) where its handler is.

Rules (also in docs/deploy.md):

- method ``auto``: ``cdk.json`` -> ``cdk``; ``template.yaml``/``template.yml`` whose Transform is
  ``AWS::Serverless-2016-10-31`` -> ``sam``; otherwise ``direct``.
- language: both are looked for; the first entry that uses the durable SDK wins (Node.js first when
  there is a ``package.json``), else the first entry found.
- Python handler file, first match: a file among ``handler.py app.py lambda_function.py main.py
  index.py`` at the top or under ``src/`` that uses ``@durable_execution``, else the first of them
  that exists, else any ``*.py`` under the top or ``src/`` using ``@durable_execution``.
  The handler function is the one decorated with ``@durable_execution`` (else ``handler``,
  ``lambda_handler``). Under ``src/`` the zip root is ``src/``.
- Node.js entry, first match: ``package.json`` ``main`` (its ``.ts`` source when ``main`` points at
  a build output that does not exist yet), then ``src/index.ts src/handler.ts index.ts handler.ts
  src/index.mjs src/index.js src/handler.js index.mjs index.js handler.mjs handler.js``, preferring
  a file that calls ``withDurableExecution``. The export is the name assigned
  ``withDurableExecution(...)`` (else ``handler``). TypeScript is bundled with esbuild.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lambda_durable_mcp.deploy.errors import DeployError

Method = Literal["sam", "cdk", "direct"]
NodeOrPython = Literal["python", "node"]

SKIP_DIRS = {"node_modules", ".venv", "venv", "cdk.out", ".aws-sam", "__pycache__", "dist", "build",
             "tests", "test", "__tests__", ".git"}

PY_CANDIDATES = ("handler.py", "app.py", "lambda_function.py", "main.py", "index.py")
NODE_CANDIDATES = ("src/index.ts", "src/handler.ts", "index.ts", "handler.ts", "src/index.mjs",
                   "src/index.js", "src/handler.js", "index.mjs", "index.js", "handler.mjs", "handler.js")

_PY_DECORATED = re.compile(
    r"@(?:[\w.]+\.)?durable_execution\b[^\n]*\n(?:\s*@[^\n]*\n)*\s*(?:async\s+)?def\s+(\w+)"
)
_NODE_EXPORT = re.compile(
    r"(?:export\s+(?:const|let|var)\s+(\w+)\s*(?::[^=]+)?=\s*withDurableExecution"
    r"|exports\.(\w+)\s*=\s*withDurableExecution"
    r"|module\.exports\.(\w+)\s*=\s*withDurableExecution)"
)
_SAM_TRANSFORM = re.compile(r"AWS::Serverless-2016-10-31")


def sam_template(project: Path) -> Path | None:
    for name in ("template.yaml", "template.yml", "template.json"):
        path = project / name
        if path.is_file() and _SAM_TRANSFORM.search(path.read_text(errors="replace")):
            return path
    return None


def detect_method(project: Path) -> Method:
    if (project / "cdk.json").is_file():
        return "cdk"
    if sam_template(project):
        return "sam"
    return "direct"


@dataclass(frozen=True)
class Handler:
    language: NodeOrPython
    entry: Path          # the source file with the handler
    code_root: Path      # the directory whose contents go to the zip root (Python, plain JS)
    handler: str         # Lambda's Handler setting, e.g. "handler.handler" or "index.handler"
    typescript: bool = False


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _python_handler(project: Path) -> Handler | None:
    roots = [project, project / "src"]
    candidates = [root / name for root in roots for name in PY_CANDIDATES if (root / name).is_file()]
    decorated = [p for p in candidates if _PY_DECORATED.search(_read(p))]
    if not decorated and not candidates:
        for root in roots:
            if not root.is_dir():
                continue
            for path in sorted(root.glob("*.py") if root == project else root.rglob("*.py")):
                if path.is_file() and not SKIP_DIRS.intersection(path.relative_to(project).parts) \
                        and _PY_DECORATED.search(_read(path)):  # is_file: a FIFO named x.py would block the read
                    decorated.append(path)
    entry = (decorated or candidates or [None])[0]
    if entry is None:
        return None
    text = _read(entry)
    match = _PY_DECORATED.search(text)
    if match:
        function = match.group(1)
    else:
        function = next((n for n in ("handler", "lambda_handler") if re.search(rf"def\s+{n}\s*\(", text)), "handler")
    src = project / "src"
    code_root = src if src in entry.parents else project
    module = ".".join(entry.relative_to(code_root).with_suffix("").parts)
    return Handler("python", entry, code_root, f"{module}.{function}")


def _node_entry_candidates(project: Path) -> list[Path]:
    found: list[Path] = []
    package = project / "package.json"
    if package.is_file():
        try:
            main = json.loads(package.read_text()).get("main")
        except (ValueError, AttributeError):
            main = None
        if isinstance(main, str) and main.strip():
            path = (project / main).resolve()
            if path.is_file() and project.resolve() in path.parents:
                found.append(path)
            else:  # "dist/index.js" before a build: use its TypeScript source
                stem = Path(main).with_suffix("")
                for source in (project / "src" / f"{stem.name}.ts", project / f"{stem}.ts"):
                    if source.is_file():
                        found.append(source)
    found += [project / name for name in NODE_CANDIDATES if (project / name).is_file()]
    # `main: "../x.js"` or a symlinked entry must not pull a file from outside the project into the package
    root = project.resolve()
    return [p for p in dict.fromkeys(found) if p.resolve().is_relative_to(root)]


def _node_handler(project: Path) -> Handler | None:
    candidates = _node_entry_candidates(project)
    if not candidates:
        return None
    entry = next((p for p in candidates if "withDurableExecution" in _read(p)), candidates[0])
    match = _NODE_EXPORT.search(_read(entry))
    export = next((g for g in match.groups() if g), "handler") if match else "handler"
    typescript = entry.suffix in (".ts", ".mts", ".cts")
    if typescript:  # bundled to index.js at the zip root
        return Handler("node", entry, project, f"index.{export}", typescript=True)
    module = entry.relative_to(project).with_suffix("").as_posix()
    return Handler("node", entry, project, f"{module}.{export}")


def _is_durable(handler: Handler) -> bool:
    text = _read(handler.entry)
    return bool(_PY_DECORATED.search(text)) if handler.language == "python" else "withDurableExecution" in text


def find_handler(project: Path) -> Handler:
    """The handler ``direct`` deploys; DeployError says what was looked for when nothing fits.

    Both languages are looked for (a Python function may sit next to a CDK app's package.json):
    the first that uses the durable SDK wins, Node.js first when there is a package.json.
    """
    node_first = (project / "package.json").is_file()
    found = [h for h in ((_node_handler(project), _python_handler(project)) if node_first
                         else (_python_handler(project), _node_handler(project))) if h is not None]
    handler = next((h for h in found if _is_durable(h)), found[0] if found else None)
    if handler is None:
        raise DeployError(
            f"No handler found in {project}: looked for package.json main, {', '.join(NODE_CANDIDATES)}, and "
            f"{', '.join(PY_CANDIDATES)} (top level or src/). Create one, or use method='sam'/'cdk' with a template."
        )
    return handler


def default_function_name(project: Path) -> str:
    """From package.json/pyproject name, else the directory name; Lambda's character set."""
    name = ""
    package = project / "package.json"
    if package.is_file():
        try:
            name = str(json.loads(package.read_text()).get("name") or "")
        except (ValueError, AttributeError):
            name = ""
    if not name and (project / "pyproject.toml").is_file():
        match = re.search(r'(?m)^name\s*=\s*"([^"]+)"', _read(project / "pyproject.toml"))
        name = match.group(1) if match else ""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", (name or project.name).split("/")[-1]).strip("-_")
    return (name or "durable-function")[:64]

"""Handler specs: parsing, confinement, runtimes and names (no emulator needed)."""

import os
import sys
from pathlib import Path

import pytest

from lambda_durable_mcp.local.handlers import HandlerError, parse_handler, python_interpreter, python_paths


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "svc" / "src" / "orders").mkdir(parents=True)
    (tmp_path / "svc" / "pyproject.toml").write_text("[project]\nname='svc'\n")
    (tmp_path / "svc" / "src" / "orders" / "__init__.py").write_text("")
    (tmp_path / "svc" / "src" / "orders" / "flow.py").write_text("@durable_execution\ndef handler(e, c): ...\n")
    (tmp_path / "svc" / "src" / "orders" / "index.ts").write_text("export const handler = withDurableExecution(async () => 1);\n")
    (tmp_path / "svc" / "plain.py").write_text("def handler(e, c): return 1\n")
    return tmp_path


def test_specs_parse_and_name_themselves(root: Path) -> None:
    spec = parse_handler(root, "svc/src/orders/flow.py:handler")
    assert spec.language == "python" and spec.is_durable()
    assert spec.default_function_name() == "flow"
    ts = parse_handler(root, "svc/src/orders/index.ts:handler")
    assert ts.language == "node" and ts.is_typescript and ts.is_durable()
    assert ts.default_function_name() == "orders-index"
    assert not parse_handler(root, "svc/plain.py:handler").is_durable()
    assert parse_handler(root, "svc/src/orders/flow.py:other").default_function_name() == "flow-other"


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("svc/src/orders/flow.py", "path/to/file.py:function_name"),
        ("svc/src/orders/flow.py:not-an-identifier", "not an identifier"),
        ("svc/missing.py:handler", "does not exist"),
        ("../outside.py:handler", "outside the workspace root"),
        ("svc/pyproject.toml:handler", "unsupported handler file type"),
    ],
)
def test_bad_specs_say_how_to_fix_them(root: Path, text: str, expect: str) -> None:
    with pytest.raises(HandlerError, match=expect):
        parse_handler(root, text)


def test_the_projects_virtualenv_and_import_roots_are_used(root: Path) -> None:
    spec = parse_handler(root, "svc/src/orders/flow.py:handler")
    assert python_interpreter(spec, root) == sys.executable
    bin_dir = root / "svc" / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    os.symlink(sys.executable, bin_dir / "python")
    assert python_interpreter(spec, root) == str(bin_dir / "python")
    assert python_paths(spec, root) == [str(root / "svc"), str(root / "svc" / "src")]

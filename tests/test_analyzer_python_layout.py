"""Python imports of the project's own packages from a src/ layout or a uv workspace member.

Each test builds a small repository on disk and lints it with the real engine (or asks the layout
module directly) to check that DUR005 follows the import, or rightly does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_durable_mcp.analyzer import analyze_paths, analyze_source, configfiles
from lambda_durable_mcp.analyzer.python.layout import import_roots

HANDLER = '''from aws_durable_execution_sdk_python import DurableContext, durable_execution
from {module} import {name}


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    value = {name}()
    context.step(lambda _: value, name="save")  # after the call: its value is not only the result
    return {{"value": value}}
'''
IMPURE = "import time\n\n\ndef {name}() -> float:\n    return time.time()\n"


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    configfiles.clear_caches()


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)


def _dur005(root: Path) -> list[tuple[str, int]]:
    return sorted((d.path, d.line) for d in analyze_paths([root], root=root).diagnostics if d.rule == "DUR005")


def test_uv_workspace_members_with_src_and_flat_layouts(tmp_path: Path) -> None:
    _write(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "pyproject.toml": '[tool.uv.workspace]\nmembers = ["libs/*"]\nexclude = ["libs/old"]\n',
        "libs/clock/pyproject.toml": '[project]\nname = "clock"\n',
        "libs/clock/src/clock/__init__.py": IMPURE.format(name="now"),
        "libs/flat/pyproject.toml": '[project]\nname = "flat"\n',
        "libs/flat/flatids.py": IMPURE.format(name="new_id"),
        "libs/old/pyproject.toml": '[project]\nname = "old"\n',
        "libs/old/oldclock.py": IMPURE.format(name="tick"),
        "libs/notamember/helpers.py": IMPURE.format(name="helper"),  # no pyproject.toml: no member
        "app/fn/handler.py": HANDLER.format(module="clock", name="now"),
        "app/fn/other.py": HANDLER.format(module="flatids", name="new_id"),
        "app/fn/old.py": HANDLER.format(module="oldclock", name="tick"),
        "app/fn/nomember.py": HANDLER.format(module="helpers", name="helper"),
    })
    roots = import_roots(str(tmp_path / "app" / "fn"))
    assert roots == {"clock": [str(tmp_path / "libs/clock/src")], "flatids": [str(tmp_path / "libs/flat")]}
    assert _dur005(tmp_path) == [("app/fn/handler.py", 7), ("app/fn/other.py", 7)]


def test_src_layout_of_the_nearest_project(tmp_path: Path) -> None:
    _write(tmp_path, {
        "svc/pyproject.toml": '[project]\nname = "svc"\n',
        "svc/src/orders/__init__.py": "",
        "svc/src/orders/clock.py": IMPURE.format(name="now"),
        "svc/entry.py": HANDLER.format(module="orders.clock", name="now"),
    })
    assert _dur005(tmp_path) == [("svc/entry.py", 7)]


def test_nothing_above_the_repository_top_and_nothing_for_inline_code(tmp_path: Path) -> None:
    _write(tmp_path, {
        "pyproject.toml": '[tool.uv.workspace]\nmembers = ["libs/*"]\n',
        "libs/clock/pyproject.toml": '[project]\nname = "clock"\n',
        "libs/clock/clock.py": IMPURE.format(name="now"),
        "repo/.git/HEAD": "ref: refs/heads/main\n",
        "repo/handler.py": HANDLER.format(module="clock", name="now"),
    })
    assert import_roots(str(tmp_path / "repo")) == {}
    assert _dur005(tmp_path / "repo") == []
    inline = analyze_source(HANDLER.format(module="clock", name="now"), "python")
    assert [d for d in inline.diagnostics if d.rule == "DUR005"] == []


def test_broken_pyproject_is_ignored(tmp_path: Path) -> None:
    _write(tmp_path, {
        "pyproject.toml": "[tool.uv.workspace\nmembers = 5",
        "src/clock.py": IMPURE.format(name="now"),
        "handler.py": HANDLER.format(module="clock", name="now"),
    })
    assert import_roots(str(tmp_path)) == {}
    assert _dur005(tmp_path) == []

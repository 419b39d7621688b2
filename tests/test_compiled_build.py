"""scripts/check_compiled.py guards the release wheel (`make compiled`, the Dockerfile's build stage): a
wheel whose mypyc modules fell back to pure Python would pass every test and quietly lose the speed."""

import os
import subprocess
import sys
import tomllib

import pytest
from conftest import REPO_ROOT

CHECK = [sys.executable, str(REPO_ROOT / "scripts" / "check_compiled.py"), str(REPO_ROOT / "pyproject.toml")]
COMPILED = REPO_ROOT / "build" / "compiled"


def _check(pythonpath: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    return subprocess.run(CHECK, capture_output=True, text=True, env=env, timeout=60, cwd=REPO_ROOT)


def test_check_compiled_rejects_the_pure_python_analyzer() -> None:
    result = _check(str(REPO_ROOT / "src"))
    assert result.returncode == 1
    assert "not compiled: lambda_durable_mcp.analyzer.python.frontend" in result.stderr
    assert "typescript._collect" in result.stderr


@pytest.mark.skipif(not (COMPILED / ".installed").exists(), reason="no release wheel built (make compiled)")
def test_check_compiled_accepts_the_release_wheel_of_the_analyzer() -> None:
    result = _check(str(COMPILED))
    assert result.returncode == 0, result.stderr
    hook = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert result.stdout.startswith(f"compiled: {len(hook['hooks']['mypyc']['include'])} modules")

"""Check that every module the mypyc build hook compiles loads as an extension module.

Run it with the built wheel first on sys.path (PYTHONPATH=build/compiled, or an install target): a
release wheel that silently fell back to pure Python would pass every test and lose the speed.
Usage: python scripts/check_compiled.py [pyproject.toml]
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from pathlib import Path


def compiled_modules(pyproject: Path) -> list[str]:
    hooks = tomllib.loads(pyproject.read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]
    return [f.removeprefix("src/").removesuffix(".py").replace("/", ".") for f in hooks["mypyc"]["include"]]


def main() -> int:
    pyproject = Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")
    names = compiled_modules(pyproject)
    pure = [f"{name} ({module.__file__})" for name in names
            if not (module := importlib.import_module(name)).__file__.endswith((".so", ".pyd"))]
    if pure:
        print("not compiled: " + ", ".join(pure), file=sys.stderr)
        return 1
    print(f"compiled: {len(names)} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())

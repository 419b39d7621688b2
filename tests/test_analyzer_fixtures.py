"""One harness for every analyzer fixture of every language.

Each file under tests/fixtures/analyzer/<language>/ is analyzed alone; each directory named
``project-<name>`` is analyzed as one project. Expectations are comments on the line a diagnostic
points to (``# expect: DUR001`` or ``// expect: DUR001, DUR020``); JSON files use a sidecar
``<file>.expect`` with lines ``LINE RULE``. Every expectation must be met (same line and rule) and
nothing else may be reported. A file without expectations is a negative fixture: it must be silent.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from lambda_durable_mcp.analyzer import analyze_paths
from lambda_durable_mcp.analyzer.engine import frontends

FIXTURES = Path(__file__).parent / "fixtures" / "analyzer"
EXPECT = re.compile(r"expect:\s*(DUR\d{3}(?:\s*,\s*DUR\d{3})*)")
SKIP_SUFFIXES = (".expect", ".md", ".txt")

Key = tuple[str, int, str]  # (path relative to the case root, line, rule)


def expectations(path: Path, rel: str) -> Counter[Key]:
    found: Counter[Key] = Counter()
    sidecar = path.with_name(path.name + ".expect")
    if sidecar.exists():
        for raw in sidecar.read_text().splitlines():
            parts = raw.split()
            if len(parts) >= 2 and parts[0].isdigit():
                found[(rel, int(parts[0]), parts[1])] += 1
        return found
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return found
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            for rule in m.group(1).split(","):
                found[(rel, lineno, rule.strip())] += 1
    return found


def cases() -> list[tuple[str, Path]]:
    """(case id, path): single files and project directories of every language present."""
    out: list[tuple[str, Path]] = []
    if not FIXTURES.is_dir():
        return out
    for lang in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for entry in sorted(lang.iterdir()):
            if entry.is_dir() and entry.name.startswith("project-"):
                out.append((f"{lang.name}/{entry.name}", entry))
            elif entry.is_file() and not entry.name.endswith(SKIP_SUFFIXES) and not entry.name.startswith("."):
                out.append((f"{lang.name}/{entry.name}", entry))
    return out


def case_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.endswith(SKIP_SUFFIXES))


def handled(path: Path) -> bool:
    """Whether an installed frontend analyzes any file of this case (others are not merged yet)."""
    for f in case_files(path):
        data = f.read_bytes()
        if any(fe.accepts(str(f.resolve()), data) for fe in frontends()):
            return True
    return False


def run_case(path: Path) -> tuple[Counter[Key], Counter[Key], list[str], dict[Key, str]]:
    """(expected, actual, parse errors, messages) for one fixture file or project directory."""
    root = path.parent if path.is_file() else path
    expected: Counter[Key] = Counter()
    for f in case_files(path):
        expected += expectations(f, f.relative_to(root).as_posix())
    result = analyze_paths([path], root=root)
    actual: Counter[Key] = Counter()
    messages: dict[Key, str] = {}
    for d in result.diagnostics:
        key = (d.path, d.line, d.rule)
        actual[key] += 1
        messages[key] = d.message
    return expected, actual, result.parse_errors, messages


CASES = cases()


@pytest.mark.parametrize("path", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_fixture(path: Path) -> None:
    if not handled(path):
        pytest.skip("no installed frontend analyzes this fixture yet")
    expected, actual, parse_errors, messages = run_case(path)
    if "parse-error" not in path.name:
        assert not parse_errors, parse_errors
    missing = expected - actual
    unexpected = actual - expected
    lines = [f"missing   {p}:{line} {rule}" for (p, line, rule) in sorted(missing)]
    lines += [f"unexpected {p}:{line} {rule}: {messages[(p, line, rule)]}" for (p, line, rule) in sorted(unexpected)]
    assert not lines, "\n".join(lines)


def test_every_python_rule_has_positive_and_negative_fixtures() -> None:
    python_rules = [f"DUR{n:03d}" for n in (*range(1, 14), 15, 16, 20, 21, *range(30, 36))]
    files = {p.name for p in (FIXTURES / "python").iterdir()}
    for rule in python_rules:
        stem = rule.lower()
        assert f"{stem}_positive.py" in files and f"{stem}_negative.py" in files, rule
        text = (FIXTURES / "python" / f"{stem}_positive.py").read_text()
        assert rule in text, f"{stem}_positive.py expects no {rule}"

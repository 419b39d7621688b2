"""The engine's own duties: walking, suppression, selection, de-duplication, limits, robustness."""

from __future__ import annotations

import string
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_durable_mcp.analyzer import analyze_paths, analyze_source
from lambda_durable_mcp.analyzer.engine import MAX_FILE_BYTES, detect_language, suppressions
from lambda_durable_mcp.analyzer.python.downlevel import lower, parse_any

FIXTURES = Path(__file__).parent / "fixtures" / "analyzer" / "python"
BAD = '''\
import time
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    a = time.time()
    b = time.time(); c = time.time()
    print(a, b, c)
    return context.step(lambda _: {}, name="done")
'''


def test_select_ignore_and_prefixes() -> None:
    every = analyze_source(BAD, "python")
    assert [(d.line, d.rule) for d in every.diagnostics] == [
        (7, "DUR001"), (8, "DUR001"), (8, "DUR001"), (9, "DUR020")]
    assert {d.rule for d in analyze_source(BAD, "python", select=["DUR02"]).diagnostics} == {"DUR020"}
    assert {d.rule for d in analyze_source(BAD, "python", ignore=["dur001"]).diagnostics} == {"DUR020"}


def test_suppression_comments_cover_the_line_and_the_next() -> None:
    code = BAD.replace("    a = time.time()", "    a = time.time()  # durable-lint: ignore[DUR001]")
    code = code.replace("    print(a, b, c)", "    # durable-lint: ignore[DUR020, DUR009]\n    print(a, b, c)")
    rules = [(d.line, d.rule) for d in analyze_source(code, "python").diagnostics]
    assert rules == [(8, "DUR001"), (8, "DUR001")]
    assert suppressions("x  # durable-lint: ignore\n# durable-lint: ignore[dur002]\n") == {
        1: None, 2: frozenset({"DUR002"}), 3: frozenset({"DUR002"})}


def test_walk_skips_vendor_folders_and_reports_relative_paths(tmp_path: Path) -> None:
    for folder in ("src", "node_modules/pkg", ".venv/lib", "cdk.out", ".hidden", "build"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "handler.py").write_text(BAD)
    result = analyze_paths([tmp_path], root=tmp_path)
    assert result.files == 1
    assert {d.path for d in result.diagnostics} == {"src/handler.py"}


def test_limits_binary_and_oversized_files_are_notes(tmp_path: Path) -> None:
    (tmp_path / "blob.py").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "huge.py").write_text("x = 1\n" * (MAX_FILE_BYTES // 6 + 10))
    (tmp_path / "latin.py").write_bytes("s = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "cookie.py").write_bytes(("# -*- coding: latin-1 -*-\n" + BAD.replace("started", "caf\xe9")
                                          ).encode("latin-1"))
    (tmp_path / "ok.py").write_text(BAD)
    result = analyze_paths([tmp_path], root=tmp_path)
    notes = " | ".join(result.parse_errors)
    assert "blob.py: skipped, binary file" in notes
    assert "huge.py: skipped" in notes and "MB limit" in notes
    assert "latin.py:1: not UTF-8" in notes
    assert {d.path for d in result.diagnostics} == {"ok.py", "cookie.py"}


def test_a_fifo_named_like_code_is_skipped_without_blocking(tmp_path: Path) -> None:
    import os

    (tmp_path / "ok.py").write_text("x = 1\n")
    os.mkfifo(tmp_path / "trap.py")  # nothing ever writes to it: a plain open() would wait forever
    started = time.monotonic()
    result = analyze_paths([tmp_path], root=tmp_path)
    assert time.monotonic() - started < 10
    assert any("trap.py: skipped, not a regular file" in e for e in result.parse_errors), result.parse_errors


def test_deadline_stops_early_with_a_note(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"m{i}.py").write_text(BAD)
    result = analyze_paths([tmp_path], root=tmp_path, deadline_seconds=0)
    assert result.stopped_early and "time limit" in result.stopped_early
    assert result.to_dict()["summary"]["stopped_early"] == result.stopped_early


def test_deep_nesting_and_huge_inline_input_never_raise() -> None:
    deep = "def f():\n" + "".join("    " * i + "if x:\n" for i in range(1, 500)) + "    " * 500 + "pass\n"
    parens = "x = " + "(" * 500 + "1" + ")" * 500 + "\n"
    chain = "x = " + " + ".join(["a"] * 20_000) + "\n"
    defs = "".join("    " * i + f"def f{i}(ctx):\n" for i in range(500)) + "    " * 500 + "pass\n"
    lambdas = "@durable_execution\ndef h(e, ctx):\n    x = " + "lambda: " * 600 + "time.time()\n"
    for code in (deep, parens, chain, defs, lambdas):
        result = analyze_source(code, "python")
        assert result.parse_errors or result.diagnostics == []
    big = analyze_source("x = 1\n" * 1_000_000, "python")
    assert "MB limit" in big.parse_errors[0]


def test_a_long_chain_of_factories_is_a_note_not_a_crash() -> None:
    # `def f2(): return f1()` 60,000 times: following the chain recurses once per function. Interpreted,
    # Python's recursion limit stops it; compiled (the release wheel) nothing did, and a worker thread's
    # C stack overflowed (a segfault, which would end this test run).
    import threading

    code = "import boto3\ndef f0():\n    return boto3.client('s3')\n" + "".join(
        f"def f{i}():\n    return f{i - 1}()\n" for i in range(1, 60_000)) + "def h():\n    c = f59999()\n"
    results = []
    worker = threading.Thread(target=lambda: results.append(analyze_source(code, "python")))
    worker.start()
    worker.join()
    assert "nested too deeply" in results[0].parse_errors[0]


def test_typescript_nested_beyond_the_tree_limit_is_a_note_and_stays_fast() -> None:
    # 20,000 nested function calls: tree-sitter's query took ~10 s on it (quadratic past ~13,000 levels,
    # then it drops captures); 1,000 levels are still analyzed, down to the innermost call.
    def nested(levels: int) -> str:
        return ('import { withDurableExecution } from "@aws/durable-execution-sdk-js";\n'
                "export const handler = withDurableExecution(async (event, context) => {\n"
                + "(async () => {" * levels + "const t = Date.now(); await context.wait({ seconds: t });"
                + "})()" * levels + "\n});\n")

    deep = analyze_source(nested(20_000), "typescript")
    assert deep.diagnostics == [] and "nesting too deep to analyze" in deep.parse_errors[0]
    moderate = analyze_source(nested(1_000), "typescript")
    assert moderate.parse_errors == [] and "DUR001" in {d.rule for d in moderate.diagnostics}


def test_language_detection() -> None:
    assert detect_language(BAD) == "python"
    assert detect_language("import { withDurableExecution } from '@aws/durable-execution-sdk-js';\n"
                           "export const handler = withDurableExecution(async (e: any, ctx: DurableContext) => 1);\n"
                           ) == "typescript"
    assert detect_language("const x = require('y');\nexports.handler = async (e) => { return 1; };\n") == "javascript"
    assert detect_language("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
                           ) == "template"
    assert detect_language('{"Resources": {"F": {"Type": "AWS::Lambda::Function"}}}') == "template"


def test_new_syntax_is_lowered_keeping_positions() -> None:
    src = 'type Alias[T] = list[T]\ndef f[T](x: T) -> T:\n    return f"{x["k"]!r:>{w}} {y=}"\n'
    low = lower(src)
    assert len(low.splitlines()) == len(src.splitlines())
    tree, err = parse_any(src)
    assert err is None and tree is not None
    import ast

    names = {(n.id, n.lineno, n.col_offset) for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert ("x", 3, 14) in names and ("w", 3, 25) in names and ("y", 3, 30) in names
    assert parse_any("except A, B:\n")[1] is not None  # not a statement on its own: still an error
    tree, err = parse_any("try:\n    pass\nexcept ValueError, TypeError:\n    pass\n")
    assert err is None


def test_a_frontend_crash_is_a_note_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    # The frontend is swapped for a wrapper whose summarize fails: a compiled (mypyc) frontend's own
    # methods cannot be patched, and it is the engine's handling that is under test.
    from lambda_durable_mcp.analyzer import engine

    python = next(fe for fe in engine.frontends() if fe.name == "python")

    class Crashing:
        def __getattr__(self, name: str) -> object:
            return getattr(python, name)

        def summarize(self, path: str, source: bytes) -> object:
            raise RuntimeError("boom")

    monkeypatch.setattr(engine, "_frontends",
                        tuple(Crashing() if fe is python else fe for fe in engine.frontends()))
    result = analyze_source("import os\nx = 1 # unique-crash-marker\n", "python")
    assert result.diagnostics == []
    assert "internal error in the python analyzer (RuntimeError: boom)" in result.parse_errors[0]


CORPUS = [p.read_text() for p in sorted(FIXTURES.glob("*.py"))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(CORPUS),
    cut=st.integers(min_value=0, max_value=5000),
    junk=st.text(alphabet=string.printable + "\x00\xff\u2028{}[]()\"'#:", max_size=40),
    where=st.integers(min_value=0, max_value=5000),
    lang=st.sampled_from([None, "python", "typescript", "javascript", "template"]),
)
def test_never_crashes_on_mangled_input(seed: str, cut: int, junk: str, where: int, lang: str | None) -> None:
    """Truncated files, spliced junk, wrong languages: diagnostics or parse errors, never an exception."""
    code = seed[:cut]
    where = min(where, len(code))
    code = code[:where] + junk + code[where:]
    result = analyze_source(code, lang)
    for d in result.diagnostics:
        assert d.line >= 1 and d.column >= 1 and d.rule.startswith("DUR")


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=2000))
def test_never_crashes_on_binary_files(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "junk.py"
        p.write_bytes(data)
        started = time.monotonic()
        result = analyze_paths([p], root=Path(d))
        assert time.monotonic() - started < 5
        assert isinstance(result.parse_errors, list)


def test_walk_does_not_follow_links_out_of_the_directory(tmp_path: Path) -> None:
    inside, outside = tmp_path / "ws", tmp_path / "secret"
    inside.mkdir()
    outside.mkdir()
    (outside / "h.py").write_text(BAD)
    (inside / "link.py").symlink_to(outside / "h.py")
    (inside / "own.py").write_text(BAD)
    (inside / "alias.py").symlink_to(inside / "own.py")
    result = analyze_paths([inside], root=inside)
    assert {d.path for d in result.diagnostics} == {"own.py"}


def test_an_explicit_file_nobody_analyzes_gets_a_note(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "data.json").write_text("[1, 2]")
    result = analyze_paths([tmp_path / "notes.txt", tmp_path], root=tmp_path)
    assert result.parse_errors == ["notes.txt: not analyzed, no installed analyzer handles this file type"]
    assert result.files == 0


def test_lowering_handles_the_newer_syntax_zoo() -> None:
    cases = [
        'x = f"{a["b"]}"\n', 'x = f"{a!r:>{w}.{p}}"\n', 'x = f"{a != b} {c == d} {e=} {f = }"\n',
        'x = f"{ {1: 2}[1] }"\n', 'x = f"{(lambda y: y)(1)}"\n', 'x = f"""\n{a +\n  b  # comment\n}"""\n',
        'x = f"{"\\n".join(items)}"\n', 'x = rf"\\d{a}"\n', 'x = t"hello {name}"\n',
        'x = "abc" f"{a["k"]}" "def"\n', 'x = (f"{a["k"]}"\n     f"{b}")\n', 'x = f"{f"{f"{a["b"]}"}"}"\n',
        "def f[T: int, *Ts, **P](x: T) -> T: return x\n", "class C[T = int](Base): pass\n",
        "type A[T] = dict[str, T]\n", 'x = f"{a:{"x"}>10}"\n',
    ]
    for code in cases:
        tree, err = parse_any(code)
        assert tree is not None, (code, err)


def test_followed_imports_are_capped_nearest_first_and_the_cap_is_said(tmp_path: Path, monkeypatch) -> None:
    """Linting one file reads the files it imports, breadth first; past the cap the result says so
    (a pre-commit run on a huge monorepo must not lose findings silently)."""
    import lambda_durable_mcp.analyzer.engine as engine

    (tmp_path / "handler.py").write_text(
        "from aws_durable_execution_sdk_python import DurableContext, durable_execution\n"
        "from near import stamp\nfrom other import helper\n\n\n@durable_execution\n"
        "def handler(event: dict, context: DurableContext) -> dict:\n"
        "    value = stamp()  # DUR005 through near.py\n"
        "    context.step(lambda _: value, name=\"save\")\n    return {\"v\": helper()}\n")
    (tmp_path / "near.py").write_text("import time\n\n\ndef stamp() -> float:\n    return time.time()\n")
    (tmp_path / "other.py").write_text("from far import x\n\n\ndef helper() -> int:\n    return x\n")
    (tmp_path / "far.py").write_text("x = 1\n")
    monkeypatch.setattr(engine, "MAX_FOLLOWED", 2)
    result = analyze_paths([tmp_path / "handler.py"], root=tmp_path)
    assert [(d.line, d.rule) for d in result.diagnostics] == [(8, "DUR005")]
    assert result.stopped_early and "imported project files" in result.stopped_early
    monkeypatch.setattr(engine, "MAX_FOLLOWED", 10)
    assert analyze_paths([tmp_path / "handler.py"], root=tmp_path).stopped_early is None

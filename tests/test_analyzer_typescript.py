"""The TypeScript/JavaScript frontend over its fixture corpus: exact expectations, never crashing.

Each fixture line that should be reported carries `// expect: DUR001` (comma list for several).
A `project-<name>/` directory is analyzed as one project: every file summarized, a small impurity
closure over the summaries (standing in for the engine's), then every file checked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from lambda_durable_mcp.analyzer import analyze_paths, analyze_source
from lambda_durable_mcp.analyzer.engine import project_view, suppressions
from lambda_durable_mcp.analyzer.frontend import ModuleSummary, ProjectView
from lambda_durable_mcp.analyzer.model import RULES
from lambda_durable_mcp.analyzer.typescript import FRONTEND, TypeScriptFrontend

FIXTURES = Path(__file__).parent / "fixtures" / "analyzer"
LANG_DIRS = [FIXTURES / "typescript", FIXTURES / "javascript"]
EXPECT = re.compile(r"(?://|/\*)\s*expect:\s*([A-Z0-9, ]+)")


def _expectations(source: str) -> Counter[tuple[int, str]]:
    out: Counter[tuple[int, str]] = Counter()
    for i, line in enumerate(source.splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            for rule in m.group(1).replace(" ", "").split(","):
                if rule:
                    out[(i, rule)] += 1
    return out


def _analyze_project(root: Path, files: list[Path], frontend: TypeScriptFrontend | None = None):
    fe = frontend or FRONTEND
    rel = {f: f.relative_to(root).as_posix() for f in files}
    summaries = {rel[f]: fe.summarize(rel[f], f.read_bytes()) for f in files}
    view = project_view(str(root), summaries, os.path.basename)
    return summaries, {rel[f]: fe.check(rel[f], f.read_bytes(), view) for f in files}


def _cases() -> list[tuple[Path, list[Path]]]:
    cases = []
    for d in LANG_DIRS:
        for p in sorted(d.iterdir()):
            if p.is_dir() and p.name.startswith("project-"):
                files = sorted(f for f in p.rglob("*") if f.is_file() and FRONTEND.accepts(str(f), b""))
                cases.append((p, files))
            elif p.is_file() and FRONTEND.accepts(str(p), b""):
                cases.append((p.parent, [p]))
    return cases


CASES = _cases()


@pytest.mark.parametrize("root,files", CASES, ids=[f"{r.name}/{fs[0].name}" if len(fs) == 1 else r.name
                                                   for r, fs in CASES])
def test_fixture_expectations(root: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)  # the relative paths name real files: package names and aliases resolve
    summaries, results = _analyze_project(root, files)
    problems = []
    for f in files:
        rel = f.relative_to(root).as_posix()
        assert summaries[rel].parse_error is None, f"{rel}: {summaries[rel].parse_error}"
        want = _expectations(f.read_text())
        quiet = suppressions(f.read_text())  # `durable-lint: ignore[...]`, as the engine applies them
        diags = [d for d in results[rel] if not (d.line in quiet and (quiet[d.line] is None
                                                                      or d.rule in quiet[d.line]))]
        got = Counter((d.line, d.rule) for d in diags)
        for key in sorted((got - want) | (want - got)):
            kind = "unexpected" if got[key] > want[key] else "missing"
            msgs = [d.message for d in diags if (d.line, d.rule) == key]
            problems.append(f"{rel}:{key[0]} {kind} {key[1]} {msgs}")
        for d in diags:
            assert d.path == rel
            assert d.rule in RULES
            assert d.message and d.fix, d
            # DUR015 for misplaced map/parallel arguments points to the concurrency guide instead
            assert RULES[d.rule].guide in d.message or "(guide: concurrent-operations#" in d.message
            assert d.severity in ("error", "warning", "info")
    assert not problems, "\n".join(problems)


def test_corpus_covers_every_applicable_rule() -> None:
    """At least one positive per TS/JS rule, and each rule also appears in files where it stays silent."""
    positives: Counter[str] = Counter()
    for _root, files in CASES:
        for f in files:
            for (_line, rule), n in _expectations(f.read_text()).items():
                positives[rule] += n
    applicable = {r for r in RULES if r < "DUR050"} - {"DUR007", "DUR016"}
    assert applicable - set(positives) == set()


def test_cross_file_chain_message() -> None:
    root = FIXTURES / "typescript" / "project-helpers"
    files = sorted(root.rglob("*.ts"))
    _s, results = _analyze_project(root, files)
    msgs = {d.line: d for d in results["handler.ts"] if d.rule == "DUR005"}
    assert "ids.ts:makeId -> randomUUID()" in msgs[9].message
    # a hop names its file only when the chain leaves the file before it: now() is re-exported by
    # index.ts from now.ts, which calls its own readClock()
    assert "index.ts:now -> now.ts:now -> readClock -> Date.now()" in msgs[11].message
    assert "step(" in msgs[9].fix


def test_summaries_and_durations() -> None:
    src = (FIXTURES / "typescript" / "durations.ts").read_bytes()
    ms = FRONTEND.summarize("durations.ts", src)
    facts = {(d.kind, d.seconds) for d in ms.durations}
    assert ("wait", 300.0) in facts
    assert ("wait", 366 * 86400.0) in facts
    assert ("callback-timeout", 86400.0) in facts
    assert ("callback-timeout", 2 * 86400.0) in facts
    assert ("condition-timeout", 600.0) in facts
    util = FRONTEND.summarize("util.ts", (FIXTURES / "typescript" / "project-helpers" / "util.ts").read_bytes())
    assert util.functions["double"].impurity is None
    assert util.functions["default"].impurity == ("DUR001", "new Date()")
    assert ("lib/ids.ts", "makeId") in util.functions["tagged"].calls or any(
        p.endswith("lib/ids.ts") and n == "makeId" for p, n in util.functions["tagged"].calls)


def test_one_diagnostic_per_problem_and_columns() -> None:
    src = b"""import { withDurableExecution } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: any, context: any) => {
  const s = new Date().toISOString();
  const t = new Date(Date.now()).getTime();
  await context.wait("pause", { seconds: 1 });
  return [s, t];
});
"""
    ms = FRONTEND.summarize("one.ts", src)
    diags = FRONTEND.check("one.ts", src, ProjectView(root=".", summaries={"one.ts": ms}))
    assert [(d.rule, d.line, d.column) for d in diags] == [("DUR001", 3, 13), ("DUR001", 4, 22)]
    assert "context.step(" in diags[0].fix


# ---------------------------------------------------------------- never crash
def _check(path: str, src: bytes) -> tuple[ModuleSummary, list]:
    fe = TypeScriptFrontend()
    ms = fe.summarize(path, src)
    return ms, fe.check(path, src, ProjectView(root=".", summaries={path: ms}))


def test_syntax_error_gives_parse_note_and_keeps_going() -> None:
    src = b"""import { withDurableExecution } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event, context) => {
  const x = Date.now();
  if (x > {{{ ) ;
});
"""
    ms, diags = _check("broken.ts", src)
    assert ms.parse_error is not None and re.match(r"\d+: ", ms.parse_error)
    assert all(d.rule in RULES for d in diags)


def test_a_syntax_error_elsewhere_keeps_the_files_findings_but_none_from_the_broken_part() -> None:
    # what an agent mid-edit has: one unfinished function, the handler's bug above it
    code = """import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: any, context: DurableContext) => {
  const started = Date.now();
  await context.wait("pause", { seconds: 5 });
  return started;
});
function unfinished(x: number {
  return Math.random() + context.step(x);
"""
    result = analyze_source(code, "typescript", path="handler.ts")
    assert [(d.line, d.rule) for d in result.diagnostics] == [(3, "DUR001")]
    assert len(result.parse_errors) == 1 and "analysis continued" in result.parse_errors[0]


def test_calls_of_class_methods_are_followed_and_named_as_written() -> None:
    code = """import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
let seen = 0;
class Tracker {
  bump(): void { seen += 1; }
  async pause(): Promise<void> { await new Promise((r) => setTimeout(r, 1000)); }
  stamp(): number { return Date.now(); }
}
export const handler = withDurableExecution(async (event: { id: string }, context: DurableContext) => {
  const tracker = new Tracker();
  await tracker.pause();
  const at = new Tracker().stamp();
  await context.step("count", async () => tracker.bump());
  await context.wait("w", { seconds: 5 });
  return { seen, at };
});
"""
    found = {(d.line, d.rule): d.message for d in analyze_source(code, "typescript", path="h.ts").diagnostics}
    assert found[(10, "DUR009")].startswith("tracker.pause() sleeps in-process")
    assert found[(11, "DUR005")].startswith("new Tracker().stamp() is not replay-safe outside a step: Tracker.stamp -> ")
    assert found[(12, "DUR012")].startswith("the step function calls tracker.bump(), which writes module-level 'seen'")


def test_fixes_inside_a_loop_name_one_step_per_iteration() -> None:
    code = """import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: { ids: string[] }, context: DurableContext) => {
  for (const id of event.ids) {
    const at = Date.now();
    await context.step(`save-${id}`, async () => ({ id, at }));
  }
  for (let i = 0; i < 3; i++) {
    const token = crypto.randomUUID();
    await context.step(`use-${i}`, async () => token);
  }
  const once = Date.now();
  await context.step("last", async () => once);
});
"""
    fixes = {d.line: d.fix for d in analyze_source(code, "typescript", path="h.ts").diagnostics}
    # named after the variable that takes the value, as Python's fixes are
    assert "context.step(`at-${id}`, async () => Date.now())" in fixes[4]
    assert "context.step(`token-${i}`, async () => crypto.randomUUID())" in fixes[8]
    assert "context.step('once', async () => Date.now())" in fixes[11]


def test_value_fixes_in_loops_over_records_and_before_a_member_access() -> None:
    """A for-of variable may be an object (`[object Object]` in every name): the name takes what the
    loop's steps are named by, or an id-like field. `await` binds looser than `[0]`: parenthesized."""
    code = """import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: any, context: DurableContext) => {
  for (const comp of event.comps) {
    const timestamp = new Date().toISOString();
    await comp.run(comp.name, timestamp);
  }
  for (const order of event.orders) {
    const at = Date.now();
    await context.step(`save-${order.id}`, async () => at);
  }
  const short = crypto.randomUUID().split("-")[0];
  await context.step("use", async () => short);
});
"""
    fixes = {d.line: d.fix for d in analyze_source(code, "typescript", path="h.ts").diagnostics}
    assert fixes[4].endswith("context.step(`timestamp-${comp.name}`, async () => new Date().toISOString())")
    assert fixes[8].endswith("context.step(`at-${order.id}`, async () => Date.now())")
    assert fixes[11].endswith("(await context.step('short-random', async () => crypto.randomUUID().split(\"-\")))")


def test_unnamed_operations_get_distinct_example_names() -> None:
    code = """import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: any, context: DurableContext) => {
  const order = await context.step(async () => 1);
  await context.wait({ seconds: 5 });
  await context.wait("cool-down", { seconds: 6 });
  await context.wait({ seconds: 7 });
  return order;
});
"""
    fixes = [d.fix.split("e.g. ")[1] for d in analyze_source(code, "typescript", path="h.ts").diagnostics
             if d.rule == "DUR030"]
    assert fixes == ["context.step('order', ...)", "context.wait('cool-down-2', ...)", "context.wait('cool-down-3', ...)"]


def test_dur035_on_an_at_most_once_step_says_only_the_retries_are_left_and_names_missing_imports() -> None:
    code = """import { withDurableExecution, DurableContext, StepSemantics } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: { id: string }, context: DurableContext) => {
  await context.step("pay", async () => fetch("https://pay.example.com", { method: "POST", body: event.id }), {
    semantics: StepSemantics.AtMostOncePerRetry,
  });
  await context.step("ship", async () => fetch("https://ship.example.com", { method: "POST", body: event.id }));
});
"""
    amo, default = [d for d in analyze_source(code, "typescript", path="h.ts").diagnostics if d.rule == "DUR035"]
    assert "this step retries on failure: a retry" in amo.message  # not "(at least once per attempt)"
    assert amo.fix.endswith('retryStrategy that does not retry (retryPresets.noRetry) '
                            '(import { retryPresets } from "@aws/durable-execution-sdk-js")')
    assert "(at least once per attempt)" in default.message
    assert default.fix.endswith("semantics: StepSemantics.AtMostOncePerRetry } "
                                '(import { retryPresets } from "@aws/durable-execution-sdk-js")')


def test_typed_tagged_templates_parse_without_a_note_and_keep_step_functions_whole() -> None:
    # tree-sitter-typescript has no rule for `sql<Row[]>`...``: it reads `(await sql)<Row[]>!` and a
    # call of the arrow `async () => sql<Row[]>` with the template
    code = """import postgres from "postgres";
import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
const sql = postgres(process.env.DATABASE_URL!);
export const handler = withDurableExecution(async (event: { id: string }, context: DurableContext) => {
  const rows = await sql<{ id: string }[]>`SELECT id FROM t WHERE id = ${event.id}`;
  const saved = await context.step("save", async () => sql<{ id: string }[]>`INSERT INTO t VALUES (${Date.now()})`);
  await context.wait("pause", { seconds: 5 });
  return { rows: rows.length, saved: saved.length };
});
"""
    result = analyze_source(code, "typescript", path="handler.ts")
    assert result.parse_errors == []
    assert [(d.line, d.rule, d.message.split(" ")[0]) for d in result.diagnostics] == [(5, "DUR003", "sql`...`")]


@pytest.mark.parametrize("src", [
    bytes(range(256)) * 40,
    b"\xff\xfe\x00garbage",
    b"",
    b"\n\n\n",
    b"}}}}}))))",
    "const s = '\u00e9\u2603'; export default 1;".encode(),
])
def test_junk_never_crashes(src: bytes) -> None:
    for path in ("junk.ts", "junk.js", "junk.tsx"):
        ms, diags = _check(path, src)
        assert isinstance(diags, list)
        if b"\x00" in src:
            assert ms.parse_error and "binary" in ms.parse_error


def test_a_nul_inside_a_string_is_text_and_the_rest_is_analyzed(tmp_path: Path) -> None:
    src = (b'import { withDurableExecution } from "@aws/durable-execution-sdk-js";\n'
           b'export const h = withDurableExecution(async (e: any, context: any) => {\n'
           b'  const key = `${e.a}\x00${e.b}`;\n'
           b'  const t = Date.now();\n'
           b'  await context.step(key, async () => t);\n'
           b'});\n')
    (tmp_path / "keys.ts").write_bytes(src)
    result = analyze_paths([tmp_path], root=tmp_path)
    assert result.parse_errors == []
    assert [(d.rule, d.line) for d in result.diagnostics] == [("DUR001", 4)]


def test_deep_nesting_never_crashes() -> None:
    depth = 500
    body = "await context.step('s', async () => Date.now());"
    nested = "(" * depth + "1" + ")" * depth
    arrows = "".join("(() => {" for _ in range(depth)) + body + "".join("})()" for _ in range(depth))
    ifs = "if (a) {" * depth + "await context.wait({ seconds: 1 });" + "}" * depth
    src = ("import { withDurableExecution } from '@aws/durable-execution-sdk-js';\n"
           "export const h = withDurableExecution(async (e, context) => {\n"
           f"const n = {nested};\n{arrows}\n{ifs}\n}});\n").encode()
    ms, diags = _check("deep.js", src)
    assert isinstance(diags, list)


def test_large_file_never_crashes() -> None:
    """5 MB: real code at both ends, generated data (a long table and a long string) between."""
    code = (FIXTURES / "typescript" / "structure.ts").read_bytes()
    row = b"  [1, 2.5, \"abcdefgh\", null, true, { k: 1 }],\n"
    data = b"export const table = [\n" + row * (4_200_000 // len(row)) + b"];\n"
    text = b"export const blob = `" + b"x" * 900_000 + b"`;\n"
    src = code + data + text + code.replace(b"export const handler", b"export const handler2")
    t0 = time.process_time()
    ms, diags = _check("big.ts", src)
    assert time.process_time() - t0 < 30
    assert len(src) > 5_000_000 and ms.parse_error is None
    lines = Counter(d.line for d in diags if d.rule == "DUR010")
    assert len(lines) == 4  # two per copy of structure.ts, at both ends of the file


def test_lazy_import_of_tree_sitter() -> None:
    code = ("import sys; import lambda_durable_mcp.analyzer.typescript as t; "
            "assert 'tree_sitter' not in sys.modules; t.FRONTEND.accepts('a.ts', b''); "
            "assert 'tree_sitter' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_accepts_extensions() -> None:
    for name in ("a.ts", "a.tsx", "a.mts", "a.cts", "a.js", "a.mjs", "a.cjs", "a.jsx"):
        assert FRONTEND.accepts(name, b"")
    for name in ("a.py", "a.d.ts", "template.yaml", "a.json"):
        assert not FRONTEND.accepts(name, b"")


def test_columns_count_characters() -> None:
    src = """import { withDurableExecution } from "@aws/durable-execution-sdk-js";
export const h = withDurableExecution(async (e: any, context: any) => {
  const s = "été"; const t = Date.now();
  await context.wait("pause", { seconds: 1 });
  return [s, t];
});
""".encode()
    _ms, diags = _check("cols.ts", src)
    assert [(d.line, d.column, d.end_column) for d in diags] == [(3, 30, 40)]


def test_in_memory_source_without_extension() -> None:
    src = b"""import { withDurableExecution } from "@aws/durable-execution-sdk-js";
export const h = withDurableExecution(async (e, context) => {
  const el = <b>{Math.random()}</b>;
  await context.wait("pause", { seconds: 1 });
  return el;
});
"""
    ms, diags = _check("<input>", src)
    assert ms.parse_error is None
    assert [(d.rule, d.line) for d in diags] == [("DUR002", 3)]


def test_fix_texts_fit_the_api_and_context() -> None:
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
import { LambdaClient, InvokeCommand } from "@aws-sdk/client-lambda";
import { Logger } from "@aws-lambda-powertools/logger";
const lambda = new LambdaClient({});
const local = new Logger({ serviceName: "svc" });
export const handler = withDurableExecution(async (event: any, context: DurableContext) => {
  if (!process.env.A || !process.env.B) throw new Error("config");
  local.info("start");
  const done: string[] = [];
  await context.runInChildContext("undo", async (child) => { done.push("x"); });
  await context.step("inv", async () => lambda.send(new InvokeCommand({ FunctionName: "f:live" })));
  await context.waitForCallback("cb", async (id, cbctx) => {
    await context.step("inner", async () => id);
  }, { timeout: { hours: 1 } });
  await context.step("post", async () => fetch("https://x.example", { method: "POST", body: "1" }));
  return done.length;
});
"""
    _ms, diags = _check("fixes.ts", src)
    by = {(d.rule, d.line): d for d in diags}
    env = by[("DUR004", 7)]
    assert [d for d in diags if d.rule == "DUR004"] == [env]  # one per condition
    assert "process.env.A ?? null" in env.fix and "=> process.env)" not in env.fix
    assert "local.info()" in by[("DUR020", 8)].message
    assert "await context.runInChildContext(" in by[("DUR012", 10)].fix
    assert "context.invoke" in by[("DUR035", 11)].fix and "ClientToken" not in by[("DUR035", 11)].fix
    assert "plain function inside the submitter" in by[("DUR010", 13)].fix
    post = by[("DUR035", 15)].fix
    assert "Idempotency-Key" in post and "MessageDeduplicationId" not in post


def test_dur005_chain_names_the_most_serious_impurity_and_ends_at_the_call(tmp_path: Path) -> None:
    f = tmp_path / "a.ts"
    f.write_text("""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
const bedrock = new BedrockRuntimeClient({});
const ddb = new DynamoDBClient({});
async function converse() {
  return bedrock.send(new ConverseCommand({ modelId: "m", messages: [] }));
}
async function log(msg: string) {
  const at = Date.now();
  await ddb.send(new PutItemCommand({ TableName: "t", Item: { at: { N: String(at) }, msg: { S: msg } } }));
}
export const handler = withDurableExecution(async (e: unknown, context: DurableContext) => {
  await converse();
  await log("y");
  await context.step("s", async () => 1);
});
""")
    _s, results = _analyze_project(tmp_path, [f])
    msgs = {d.line: d.message for d in results["a.ts"] if d.rule == "DUR005"}
    assert "converse -> bedrock.send(new ConverseCommand(...))" in msgs[14]
    assert "log -> ddb.send(new PutItemCommand(...))" in msgs[15]


def test_dur005_fix_for_a_generator_collects_what_it_yields() -> None:
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
async function* pages(url: string): AsyncGenerator<string[]> {
  const r = await fetch(url);
  yield (await r.json()) as string[];
}
export const handler = withDurableExecution(async (event: { feed: string }, context: DurableContext) => {
  for await (const page of pages(event.feed)) {
    await context.step(`ingest-${page.length}`, async () => page.length);
  }
});
"""
    diags = analyze_source(src.decode(), "typescript").diagnostics
    (d,) = [d for d in diags if d.rule == "DUR005"]
    assert d.line == 7 and "for await (const x of pages(...)) out.push(x); return out;" in d.fix


def test_dur005_never_suggests_a_step_around_a_helper_that_gets_the_context(tmp_path: Path) -> None:
    """A helper given the context inside an object (or a class's context field) runs durable operations:
    wrapping its call in a step, as the plain DUR005 fix says, would nest them (DUR010 at run time)."""
    (tmp_path / "lib.ts").write_text("""import { DurableContext } from "@aws/durable-execution-sdk-js";
export async function reserve(deps: { ctx: DurableContext }, id: string): Promise<string> {
  const res = await fetch(`https://stock.example.com/${id}`);
  await deps.ctx.step("reserve", async () => id);
  return res.statusText;
}
export async function price(id: string): Promise<string> {
  return (await fetch(`https://stock.example.com/${id}`)).statusText;
}
""")
    (tmp_path / "handler.ts").write_text("""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
import { reserve, price } from "./lib";
class Order {
  constructor(private readonly ctx: DurableContext) {}
  async run(id: string) {
    return reserve({ ctx: this.ctx }, id);
  }
}
export const handler = withDurableExecution(async (event: { id: string }, context: DurableContext) => {
  await reserve({ ctx: context }, event.id);
  await reserve({ context } as never, event.id);
  await price(event.id);
  return new Order(context).run(event.id);
});
""")
    _s, results = _analyze_project(tmp_path, [tmp_path / "lib.ts", tmp_path / "handler.ts"])
    fixes = {d.line: d.fix for d in results["handler.ts"] if d.rule == "DUR005"}
    for line in (10, 11):
        assert "do not wrap reserve() itself in a step" in fixes[line]
        assert ".step(" not in fixes[line]
    assert fixes[12] == "call it inside a step: await context.step('price', async () => price(...))"


def test_dur003_fix_for_fetch_reads_the_body_in_the_step() -> None:
    """Applied literally, the fix must not checkpoint a Response (after a replay `res.json` is not a
    function), and the fixed code is silent."""
    src = """import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: { id: string }, context: DurableContext) => {
  const res = await fetch(`https://users.example.com/${event.id}`);
  await context.wait("pause", { seconds: 5 });
  return { name: (await res.json()).name };
});
"""
    diags = analyze_source(src, "typescript").diagnostics
    (d,) = [d for d in diags if d.rule == "DUR003"]
    step = "await context.step('load-res', async () => (await fetch(`https://users.example.com/${event.id}`)).json())"
    assert step in d.fix and "not the Response" in d.fix
    fixed = src.replace("const res = await fetch(`https://users.example.com/${event.id}`);", f"const data = {step};")
    fixed = fixed.replace("(await res.json()).name", "data.name")
    assert [d.rule for d in analyze_source(fixed, "typescript").diagnostics] == []
    literal = src.replace("await fetch(`https://users.example.com/${event.id}`)",
                          "await context.step('load', async () => fetch(`https://users.example.com/${event.id}`))")
    assert [(d.line, d.rule) for d in analyze_source(literal, "typescript").diagnostics] == [(3, "DUR034")]


def test_dur005_same_file_helper_given_the_context_in_an_object() -> None:
    src = """import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
async function reserve(deps: { ctx: DurableContext }, id: string): Promise<string> {
  const res = await fetch(`https://stock.example.com/${id}`);
  await deps.ctx.step("reserve", async () => id);
  return res.statusText;
}
export const handler = withDurableExecution(async (event: { id: string }, context: DurableContext) => {
  await reserve({ ctx: context }, event.id);
  return "ok";
});
"""
    (d,) = analyze_source(src, "typescript").diagnostics
    assert (d.line, d.rule) == (8, "DUR005")
    assert "do not wrap reserve() itself in a step" in d.fix and ".step(" not in d.fix


def test_dur012_fix_for_pushed_closures_keeps_the_push_in_orchestration_code() -> None:
    """A step result goes through JSON: returning `{ rollback: () => ... }` from the step (the usual fix)
    loses the function on replay, so the fix moves the push after the awaited step instead."""
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (_e: unknown, context: DurableContext) => {
  const done: Array<{ name: string; undo: () => void }> = [];
  const names: string[] = [];
  await context.step("reserve", async () => {
    done.push({ name: "reserve", undo: () => console.log("release") });
    names.push("reserve");
  });
  await context.wait("hold", { seconds: 60 });
  return { done: done.length, names };
});
"""
    _ms, diags = _check("saga.ts", src)
    fixes = {d.line: d.fix for d in diags if d.rule == "DUR012"}
    assert "push in the orchestration code after it" in fixes[6] and "done.push(...)" in fixes[6]
    assert "push in the orchestration code" not in fixes[7]


def test_dur012_fix_keeps_the_steps_own_value_and_names_the_attempt_number() -> None:
    """`callCount++` inside a step whose result is assigned: assigning the step's result to the counter
    would replace the value the step returns (a type error here); a counter of attempts is the SDK's."""
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
let callCount = 0;
let total = 0;
export const handler = withDurableExecution(async (event: { fail: number }, context: DurableContext) => {
  const result = await context.step("flaky", async () => {
    callCount++;
    if (callCount <= event.fail) throw new Error("again");
    return `ok after ${callCount}`;
  });
  await context.step("sum", async () => {
    total = total + 5;
  });
  return { result, callCount, total };
});
"""
    _ms, diags = _check("retry.ts", src)
    fixes = {d.line: d.fix for d in diags if d.rule == "DUR012"}
    # module-level counters: the fix keeps the value in a const (assigning them from orchestration is DUR013)
    assert "stepCtx.attempt" in fixes[6] and \
        'const { value, callCount: latest } = await context.step("flaky", async () => ({ value: ' in fixes[6]
    assert "callCount = " not in fixes[6]
    # a bare statement: the result is free to carry the value; no attempt counter either
    assert fixes[11].endswith('const latest = await context.step("sum", async () => ...)')
    assert "attempt" not in fixes[11]
    local = src.replace(b"let callCount = 0;\nlet total = 0;\n", b"").replace(
        b"DurableContext) => {\n", b"DurableContext) => {\n  let callCount = 0;\n  let total = 0;\n")
    _ms, diags = _check("retry.ts", local)
    fixes = {d.line: d.fix for d in diags if d.rule == "DUR012"}
    assert "const { value, callCount: next } = await context.step(\"flaky\"" in fixes[6] and "callCount = next" in fixes[6]
    assert fixes[11].endswith('total = await context.step("sum", async () => ...)')


def test_dur012_fix_for_a_push_and_for_a_condition_check_counter() -> None:
    """A push in a step: push the step's result in orchestration code (the operation keeps its name).
    A counter a waitForCondition check keeps: only the check's state outlives the poll's invocation."""
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
let attempts = 0;
async function checkReadiness() {
  attempts++;
  return { ready: attempts >= 3 };
}
export const handler = withDurableExecution(async (event: { ids: string[] }, context: DurableContext) => {
  const receipts: string[] = [];
  for (const id of event.ids) {
    await context.step(`save-${id}`, async () => {
      receipts.push(`r-${id}`);
    });
  }
  await context.waitForCondition("ready", async (state: { ready: boolean }) => {
    return checkReadiness();
  }, { initialState: { ready: false }, waitStrategy: () => ({ shouldContinue: true, delay: { seconds: 5 } }) });
  return receipts;
});
"""
    _ms, diags = _check("h.ts", src)
    fixes = {d.line: d.fix for d in diags if d.rule == "DUR012"}
    assert fixes[11].startswith("return the pushed value from the step function and push it in the orchestration "
                                "code: receipts.push(await context.step(`save-${id}`, async () => ...))")
    assert fixes[15].startswith("carry the value in the check's state instead: pass it to checkReadiness() and "
                                "return { ...state, value } from the check")


def test_dur004_in_a_helper_handed_the_context_reads_the_variable_once_in_the_handler() -> None:
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
const PAUSE = Number(process.env.PAUSE_SECONDS ?? "6");
async function pause(ctx: DurableContext, name: string) {
  if (PAUSE > 0) await ctx.wait(name, { seconds: PAUSE });
}
export const handler = withDurableExecution(async (event: unknown, ctx: DurableContext) => {
  await ctx.step("a", async () => 1);
  await pause(ctx, "after-a");
  await ctx.step("b", async () => 2);
  await pause(ctx, "after-b");
  return "ok";
});
"""
    _ms, diags = _check("h.ts", src)
    (d,) = [d for d in diags if d.rule == "DUR004"]
    assert "in a step once, in the handler before it calls pause(), and pass the result in" in d.fix


def test_dur004_for_a_list_from_the_environment_a_loop_iterates() -> None:
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
const REGIONS = (process.env.REGIONS ?? "a,b").split(",");
const LIMITS = JSON.parse(process.env.LIMITS ?? "{}");
export const handler = withDurableExecution(async (event: unknown, ctx: DurableContext) => {
  for (const r of REGIONS) {
    await ctx.step(`region-${r}`, async () => r);
  }
  if (LIMITS.strict) await ctx.step("strict", async () => 1);
  return "ok";
});
"""
    _ms, diags = _check("h.ts", src)
    assert [(d.line, d.rule) for d in diags] == [(5, "DUR004"), (8, "DUR004")]


def test_promise_all_over_work_handed_the_context_is_no_plain_async_work() -> None:
    """`Promise.all(uses.map((u) => tool.open({ context, ... })))` runs durable operations concurrently on
    one context (DUR008: their order follows timing; DUR036's fix, a step per element, would nest them);
    plain async work in Promise.all stays DUR036."""
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: { names: string[] }, context: DurableContext) => {
  const tools = new Map<string, { open(a: { context: DurableContext; name: string }): Promise<number> }>();
  const opened = await Promise.all(event.names.map((name, i) => tools.get(name)!.open({ context, name: `t-${i}` })));
  const texts = await context.step("texts", async () => "x");
  const sizes = await Promise.all(event.names.map(async (n) => n.length + texts.length));
  return { opened, sizes };
});
"""
    _ms, diags = _check("h.ts", src)
    assert [(d.line, d.rule) for d in diags if d.rule in ("DUR008", "DUR036")] == [(4, "DUR008"), (6, "DUR036")]
    (d,) = [d for d in diags if d.rule == "DUR008"]
    assert d.fix.startswith("give each its own child context: context.map('name', items, async (child, item) =>")


def test_dur012_push_onto_a_field_in_a_map_and_dur008_over_an_async_mapper() -> None:
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: { ids: string[] }, context: DurableContext) => {
  const summary = { ids: [] as string[] };
  await context.map("process", event.ids, async (itemCtx, id) => {
    const out = await itemCtx.step(`load-${id}`, async () => id.toUpperCase());
    summary.ids.push(out);
    return out;
  });
  const all = await Promise.all(event.ids.map(async (id) => context.step(`again-${id}`, async () => id)));
  return { summary, all };
});
"""
    _ms, diags = _check("h.ts", src)
    fixes = {d.rule: d.fix for d in diags}
    assert 'summary.ids.push(...(await context.map("process", ...)).getResults())' in fixes["DUR012"]
    assert "with the map callback not async: items.map((x) => context.step(...))" in fixes["DUR008"]


def test_global_this_clock_and_random_and_a_request_id_only_logged() -> None:
    """`globalThis.crypto.randomUUID()` is the global; `+new Date()` moves whole into the step (a temp
    named ms would clash); a request id inside a durable logger call only changes a skipped log line."""
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: { id: string }, context: DurableContext) => {
  const token = globalThis.crypto.randomUUID();
  const ms = +new Date();
  context.logger.info("start", { requestId: context.lambdaContext.awsRequestId });
  const saved = await context.step("save", async () => ({ token, ms }));
  await context.wait("pause", { seconds: 2 });
  return saved;
});
"""
    _ms, diags = _check("h.ts", src)
    fixes = {(d.line, d.rule): d.fix for d in diags}
    assert set(fixes) == {(3, "DUR002"), (4, "DUR001")}
    assert fixes[(4, "DUR001")] == "move it into a step: await context.step('ms', async () => +new Date())"


def test_with_retry_without_a_child_context_runs_on_the_callers_context() -> None:
    src = b"""import { withDurableExecution, DurableContext, withRetry } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event: { id: string }, context: DurableContext) => {
  let attempts = 0;
  const r = await withRetry(context, "charge", async (ctx, attempt) => {
    attempts = attempt;
    return context.step(`charge-${attempt}`, async () => 42);
  }, { retryStrategy: () => ({ shouldRetry: false }), wrapWithRunInChildContext: false });
  return { r, attempts };
});
"""
    _ms, diags = _check("h.ts", src)
    assert diags == []
    _ms, diags = _check("h.ts", src.replace(b", wrapWithRunInChildContext: false", b""))
    assert [(d.line, d.rule) for d in diags] == [(5, "DUR012"), (6, "DUR011")]


def test_a_table_of_project_functions_called_through_its_key() -> None:
    """An LLM tool loop's table (`TOOLS.create_ticket(...)`): the function behind the key is followed."""
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
async function createTicket(input: { title: string }): Promise<number> {
  const res = await fetch("https://tickets.example.com/tickets", { method: "POST", body: JSON.stringify(input) });
  return res.status;
}
function title(): string {
  return "t";
}
const TOOLS = { create_ticket: createTicket, title };
export const handler = withDurableExecution(async (event: unknown, context: DurableContext) => {
  const a = await TOOLS.create_ticket({ title: TOOLS.title() });
  await context.wait("pause", { seconds: 2 });
  return a;
});
"""
    diags = analyze_source(src.decode(), "typescript", path="h.ts").diagnostics
    assert [(d.line, d.rule) for d in diags] == [(11, "DUR005")]
    assert diags[0].message.startswith("TOOLS.create_ticket() is not replay-safe outside a step: createTicket -> ")


def test_commonjs_file_gets_require_in_the_fix_for_missing_sdk_names() -> None:
    code = """const { withDurableExecution } = require("@aws/durable-execution-sdk-js");
exports.handler = withDurableExecution(async (event, context) => {
  return context.waitForCallback("approve", async (callbackId) => {
    await fetch("https://approvals.example.com", { method: "POST", body: callbackId });
  }, { timeout: { hours: 1 } });
});
"""
    (d,) = [d for d in analyze_source(code, "javascript", path="h.js").diagnostics if d.rule == "DUR035"]
    assert d.fix.endswith('(const { retryPresets } = require("@aws/durable-execution-sdk-js"))')


def test_detached_method_destructured_in_the_parameters_has_no_context_to_call_it_on() -> None:
    code = """import { withDurableExecution } from "@aws/durable-execution-sdk-js";
export const handler = withDurableExecution(async (event, { step, logger }) => {
  logger.info("start");
  return step("one", async () => 1);
});
"""
    (d,) = [d for d in analyze_source(code, "javascript", path="h.mjs").diagnostics if d.rule == "DUR015"]
    assert d.fix == ("take the context whole instead of destructuring it in the parameters, "
                     "`async (event, context) => ...`, and call context.step(...)")


def test_dur003_fix_for_an_object_or_file_read_warns_of_the_checkpoint_limit() -> None:
    src = b"""import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
import { S3Client, GetObjectCommand, ListBucketsCommand } from "@aws-sdk/client-s3";
import { readFileSync } from "node:fs";
const s3 = new S3Client({});
export const handler = withDurableExecution(async (event: any, context: DurableContext) => {
  const obj = await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" }));
  const cfg = readFileSync("/tmp/x.json", "utf8");
  const buckets = await s3.send(new ListBucketsCommand({}));
  await context.step("use", async () => [obj, cfg, buckets]);
  await context.wait("w", { seconds: 5 });
});
"""
    _ms, diags = _check("load.ts", src)
    fixes = {d.line: d.fix for d in diags if d.rule == "DUR003"}
    assert "256 KB" in fixes[6] and "256 KB" in fixes[7]
    assert "256 KB" not in fixes[8]  # a listing is no object body


def test_a_clock_read_only_for_a_context_logger_line_is_a_warning(tmp_path: Path) -> None:
    """The durable logger skips its lines while replaying, so a value only logged changes nothing: a
    warning, inline or through a helper, as in Python; other uses stay errors."""
    (tmp_path / "h.ts").write_text("""import { DurableContext, withDurableExecution } from "@aws/durable-execution-sdk-js";

function stamp(): number {
  return Date.now();
}

export const handler = withDurableExecution(async (event: any, context: DurableContext) => {
  context.logger.info("start", { at: Date.now(), id: crypto.randomUUID() });
  context.logger.info("start", { at: stamp() });
  const at = Date.now();
  console.log("start", stamp());
  await context.wait("pause", { seconds: 5 });
  return context.step("one", async () => at);
});
""")
    result = analyze_paths([tmp_path], root=tmp_path)
    got = {(d.line, d.rule): d.severity for d in result.diagnostics if d.rule in ("DUR001", "DUR002", "DUR005")}
    assert got == {(8, "DUR001"): "warning", (8, "DUR002"): "warning", (9, "DUR005"): "warning",
                   (10, "DUR001"): "error", (11, "DUR005"): "error"}
    messages = {d.line: d.message for d in result.diagnostics if d.rule == "DUR005"}
    assert "only feeds a context.logger line" in messages[9] and "only feeds" not in messages[11]


def test_dur009_follows_an_imported_helper_that_sleeps(tmp_path: Path) -> None:
    """DUR009 at the call of an imported helper that sleeps in-process, with the chain in the message and
    the same severity and fix as the same-file rule; one diagnostic per call, none in a step."""
    (tmp_path / "util.ts").write_text(
        "export async function backoff(ms: number) {\n"
        "  await new Promise((resolve) => setTimeout(resolve, ms));\n"
        "}\n"
        "export const retry = async (n: number) => { await backoff(n); return n; };\n")
    (tmp_path / "handler.ts").write_text(
        'import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";\n'
        'import { backoff, retry } from "./util";\n'
        "const nap = (ms: number) => new Promise((r) => setTimeout(r, ms));\n"
        "export const handler = withDurableExecution(async (event: unknown, context: DurableContext) => {\n"
        '  await context.step("a", async () => backoff(1));\n'
        "  await backoff(5000);\n"
        "  await retry(2);\n"
        "  await nap(5);\n"
        "  return {};\n"
        "});\n")
    result = analyze_paths([tmp_path], root=tmp_path)
    by = {d.line: d for d in result.diagnostics if d.path == "handler.ts"}
    assert sorted((d.line, d.rule) for d in result.diagnostics) == [
        (6, "DUR009"), (7, "DUR009"), (8, "DUR009")]
    d = by[6]
    assert d.severity == RULES["DUR009"].severity == "warning" and d.column == 9
    assert d.message.startswith("backoff() sleeps in-process (util.ts:backoff -> setTimeout): ")
    assert d.fix.startswith("use await context.wait('pause-2', { seconds: N }) (N >= 1: a durable wait lasts a second")  # 'pause' is taken
    assert "(util.ts:retry -> backoff -> setTimeout)" in by[7].message
    assert by[8].message.startswith("nap() sleeps in-process (setTimeout): ")

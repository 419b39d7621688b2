"""TypeScript twin of test_analyzer_replay.py: each flagged bug really breaks a replay under the JS
testing SDK's LocalDurableTestRunner (Jest, skipTime), and the fix the diagnostic proposes passes both
the analyzer and the runner. Where a fix gives code, it is applied literally, as an agent would.
One Jest process runs every case; each writes its outcome to a JSON file that the tests read."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import TOOLCHAIN

from lambda_durable_mcp.analyzer import analyze_paths
from lambda_durable_mcp.analyzer.model import Diagnostic

JEST = TOOLCHAIN / "node_modules" / ".bin" / "jest"
TSC = TOOLCHAIN / "node_modules" / ".bin" / "tsc"

HEAD = """\
import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";

let runs = 0;
export const calls: string[] = [];
// the services the handlers call: each request is counted, so that a repeated one shows
(globalThis as any).fetch = async (url: string, init?: { method?: string }) => {
  calls.push(`${init?.method ?? "GET"} ${url}`);
  return { ok: true, status: 200, json: async () => ({ name: "ada" }), text: async () => "ada" };
};

export const handler = withDurableExecution(async (event: { id: string }, context: DurableContext) => {
"""

# rule, buggy body (the line marked // BUG is where the diagnostic must be), what the buggy handler
# gives (an error type or message start, or a wrong result), the fixed body (None: apply the
# diagnostic's fix literally), the fixed result
SCENARIOS: list[tuple[str, str, Any, str | None, Any]] = [
    ("DUR001", """
  const started = Date.now(); // BUG
  const saved = await context.step("save", async () => started);
  await context.wait("pause", { seconds: 2 });
  return saved === started;
""", False, None, True),
    ("DUR002", """
  const token = Math.random().toString(36).slice(2); // BUG
  const saved = await context.step("save", async () => token);
  await context.wait("pause", { seconds: 2 });
  return saved === token;
""", False, None, True),
    ("DUR003", """
  const res = await fetch(`https://users.example.com/${event.id}`); // BUG
  await context.wait("pause", { seconds: 2 });
  return { name: (await res.json()).name, calls: calls.length };
""", {"name": "ada", "calls": 2}, """
  const data = await context.step("load-user", async () => (await fetch(`https://users.example.com/${event.id}`)).json());
  await context.wait("pause", { seconds: 2 });
  return { name: data.name, calls: calls.length };
""", {"name": "ada", "calls": 1}),
    ("DUR021", """
  await fetch("https://mail.example.com/send", { method: "POST" }); // BUG
  await context.wait("pause", { seconds: 2 });
  return calls.length;
""", 2, """
  await context.step("send-mail", async () => (await fetch("https://mail.example.com/send", { method: "POST" })).status);
  await context.wait("pause", { seconds: 2 });
  return calls.length;
""", 1),
    ("DUR010", """
  const a = await context.step("outer", async () => await context.step("inner", async () => 1)); // BUG
  await context.wait("pause", { seconds: 2 });
  return a + 1;
""", "Context usage error", """
  const a = await context.runInChildContext("outer", async (child) => await child.step("inner", async () => 1));
  await context.wait("pause", { seconds: 2 });
  return a + 1;
""", 2),
    ("DUR012", """
  let total = 0;
  await context.step("add", async () => { total += 5; }); // BUG
  await context.wait("pause", { seconds: 2 });
  return total;
""", 0, """
  let total = 0;
  total = await context.step("add", async () => total + 5);
  await context.wait("pause", { seconds: 2 });
  return total;
""", 5),
    ("DUR013", """
  runs++; // BUG
  if (runs === 1) await context.step("first-only", async () => 1);
  await context.wait("pause", { seconds: 2 });
  return "done";
""", "NonDeterministicExecutionError", """
  let local = 0;
  local++;
  if (local === 1) await context.step("first-only", async () => 1);
  await context.wait("pause", { seconds: 2 });
  return "done";
""", "done"),
    ("DUR015", """
  const load = async (id: string) => `user-${id}`;
  const user = await context.step("load", load(event.id) as any); // BUG
  await context.wait("pause", { seconds: 2 });
  return user;
""", "fn is not a function", """
  const load = async (id: string) => `user-${id}`;
  const user = await context.step("load", async () => load(event.id));
  await context.wait("pause", { seconds: 2 });
  return user;
""", "user-i1"),
    ("DUR034", """
  const prices = await context.step("prices", async () => new Map([["a", 1]])); // BUG
  await context.wait("pause", { seconds: 2 });
  return prices.get("a");
""", "prices.get is not a function", """
  const prices = await context.step("prices", async () => Object.fromEntries(new Map([["a", 1]])));
  await context.wait("pause", { seconds: 2 });
  return prices["a"];
""", 1),
]

# Clock and random values of every shape in one handler: applied literally, the fixes move each whole
# value into a step named after what takes it, and two unnamed ones get distinct names (no DUR030).
VALUES = """
  const createdAt = new Date().toISOString(); // FIX
  const orderId = crypto.randomUUID(); // FIX
  const saved = await context.step("save", async () => ({ createdAt, orderId }));
  if (Math.random() > 2) await context.step("never", async () => 0); // FIX
  if (Math.random() > 3) await context.step("never-either", async () => 0); // FIX
  const deadline = Date.now() + 60_000; // FIX
  const day = new Date().getUTCDay(); // FIX
  await context.wait("pause", { seconds: 2 });
  return saved.createdAt === createdAt && saved.orderId === orderId && deadline > 0 && day < 7;
"""

RUN_CASE = """
import {{ LocalDurableTestRunner }} from "@aws/durable-execution-sdk-js-testing";
import * as fs from "fs";
import {{ handler }} from "./{module}";

beforeAll(() => LocalDurableTestRunner.setupTestEnvironment({{ skipTime: true }}));
afterAll(() => LocalDurableTestRunner.teardownTestEnvironment());

it("{module}", async () => {{
  const result = await new LocalDurableTestRunner({{ handlerFunction: handler }}).run({{ payload: {{ id: "i1" }} }});
  const status = result.getStatus();
  const out = status === "SUCCEEDED" ? {{ status, value: result.getResult() ?? null }}
    : {{ status, error: result.getError() ?? null }};
  fs.writeFileSync({outcome}, JSON.stringify(out));
}}, 60000);
"""


def literal_fix(code: str, d: Diagnostic) -> str:
    """Applies a `move it into a step: <code>` fix as an agent would: the diagnostic's range, which
    must be exactly the expression the step's function returns, becomes the step call."""
    assert d.fix and d.fix.startswith("move it into a step: "), d.fix
    step = d.fix.removeprefix("move it into a step: ")
    expr = re.fullmatch(r".*?async \(\) => (.*)\)", step)
    assert expr and d.line == d.end_line, (step, d)
    lines = code.splitlines()
    line = lines[d.line - 1]
    assert line[d.column - 1:d.end_column - 1] == expr.group(1), (line, step)
    lines[d.line - 1] = line[:d.column - 1] + step + line[d.end_column - 1:]
    return "\n".join(lines) + "\n"


def lint(path: Path) -> list[Diagnostic]:
    return [d for d in analyze_paths([path], root=path.parent).diagnostics if d.severity != "info"]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Writes every buggy and fixed handler, checks what the analyzer says about each, runs them all
    in one Jest process and returns {case: (outcome, diagnostics of the buggy code, bug line)}."""
    if not JEST.exists():
        pytest.skip("toolchain not installed: run make toolchain")
    folder = tmp_path_factory.mktemp("replay-ts")
    (folder / "node_modules").symlink_to(TOOLCHAIN / "node_modules")
    (folder / "jest.config.js").write_text("module.exports = " + json.dumps({
        "testEnvironment": "node",
        "transform": {"^.+\\.ts$": ["ts-jest", {"diagnostics": False, "tsconfig": {
            "target": "ES2022", "module": "commonjs", "esModuleInterop": True, "skipLibCheck": True}}]},
    }) + ";\n")
    cases: dict[str, Any] = {}
    for rule, buggy, _outcome, fixed, _result in [*SCENARIOS, ("values", VALUES, None, None, None)]:
        bad = HEAD + buggy.lstrip("\n") + "});\n"
        bug_line = next(i for i, line in enumerate(bad.splitlines(), 1) if "// BUG" in line or "// FIX" in line)
        (folder / f"bad_{rule}.ts").write_text(bad)
        found = lint(folder / f"bad_{rule}.ts")
        good = HEAD + fixed.lstrip("\n") + "});\n" if fixed is not None else bad
        for d in sorted(found, key=lambda d: (d.line, d.column), reverse=True) if fixed is None else ():
            good = literal_fix(good, d)
        (folder / f"good_{rule}.ts").write_text(good)
        cases[rule] = {"found": [(d.line, d.rule) for d in found], "bug_line": bug_line,
                       "good_found": [(d.line, d.rule, d.message) for d in lint(folder / f"good_{rule}.ts")],
                       "good_src": good}
        for kind in ("bad", "good"):
            module = f"{kind}_{rule}"
            outcome = json.dumps(str(folder / f"{module}.json"))
            (folder / f"{module}.test.ts").write_text(RUN_CASE.format(module=module, outcome=outcome))
    proc = subprocess.run([str(JEST), "--rootDir", str(folder), "--ci", "--silent"], cwd=folder,
                          capture_output=True, text=True, timeout=600)
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
    assert proc.returncode == 0, tail
    for rule, case in cases.items():
        for kind in ("bad", "good"):
            case[kind] = json.loads((folder / f"{kind}_{rule}.json").read_text())
    # the fixed handlers type-check against the SDK's own declarations
    proc = subprocess.run([str(TSC), "--noEmit", "--target", "ES2022", "--module", "commonjs", "--esModuleInterop",
                           "--skipLibCheck", "--types", "node", *[f"good_{rule}.ts" for rule in cases]],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    cases["tsc"] = proc.stdout + proc.stderr
    return cases


@pytest.mark.slow
@pytest.mark.parametrize(("rule", "buggy", "outcome", "fixed", "fixed_result"), SCENARIOS,
                         ids=[s[0] for s in SCENARIOS])
def test_flagged_bug_breaks_replay_and_the_fix_works(outcomes: dict[str, Any], rule: str, buggy: str,
                                                     outcome: Any, fixed: str | None, fixed_result: Any) -> None:
    case = outcomes[rule]
    assert case["found"] == [(case["bug_line"], rule)]
    bad = case["bad"]
    if isinstance(outcome, str) and bad["status"] == "FAILED":
        error = bad["error"] or {}
        assert outcome in (error.get("errorType"), *(error.get("errorMessage") or "").split(":")[:1]) or \
            (error.get("errorMessage") or "").startswith(outcome), bad
    else:
        assert bad == {"status": "SUCCEEDED", "value": outcome} and outcome != fixed_result, bad
    assert case["good_found"] == [], case["good_src"]
    assert case["good"] == {"status": "SUCCEEDED", "value": fixed_result}, case["good_src"]


@pytest.mark.slow
def test_every_clock_and_random_fix_applied_literally_lints_clean_compiles_and_runs(outcomes: dict[str, Any]) -> None:
    case = outcomes["values"]
    lines = [i for i, line in enumerate(VALUES.strip("\n").splitlines(), HEAD.count("\n") + 1) if "// FIX" in line]
    assert [line for line, _ in case["found"]] == lines
    assert {rule for _, rule in case["found"]} == {"DUR001", "DUR002"}
    assert case["bad"] == {"status": "SUCCEEDED", "value": False}
    good = case["good_src"]
    for step in ("context.step('created-at', async () => new Date().toISOString())",
                 "context.step('order-id', async () => crypto.randomUUID())",
                 "context.step('random', async () => Math.random()) > 2",
                 "context.step('random-2', async () => Math.random()) > 3",
                 "context.step('deadline-now', async () => Date.now()) + 60_000",
                 "const day = await context.step('day', async () => new Date().getUTCDay());"):
        assert step in good, good
    assert case["good_found"] == [], good
    assert case["good"] == {"status": "SUCCEEDED", "value": True}


@pytest.mark.slow
def test_the_fixed_handlers_type_check_against_the_sdk(outcomes: dict[str, Any]) -> None:
    assert outcomes["tsc"] == ""


@pytest.mark.slow
def test_dur008_fix_for_a_wait_beside_a_step_type_checks(tmp_path: Path) -> None:
    """context.promise.all takes one type parameter for all its promises: over a wait (void) and a step
    the fix's `<unknown>` form is the one that compiles."""
    if not TSC.exists():
        pytest.skip("toolchain not installed: run make toolchain")
    (tmp_path / "node_modules").symlink_to(TOOLCHAIN / "node_modules")
    code = HEAD + """
  const waited = context.wait("min-delay", { seconds: 5 });
  const doubled = context.step("double", async () => ({ n: 2 }));
  const [, result] = await Promise.all([waited, doubled]);
  return result;
});
"""
    (tmp_path / "h.ts").write_text(code)
    (d,) = [d for d in lint(tmp_path / "h.ts") if d.rule == "DUR008"]
    typed = re.search(r"\((context\.promise\.all<unknown>)\(\[\.\.\.\]\) when their result types differ\)", d.fix or "")
    assert typed, d.fix
    (tmp_path / "h.ts").write_text(code.replace("await Promise.all(", f"await {typed.group(1)}("))
    assert [x.rule for x in lint(tmp_path / "h.ts")] == []
    proc = subprocess.run([str(TSC), "--noEmit", "--strict", "--target", "ES2022", "--module", "commonjs",
                           "--skipLibCheck", "--types", "node", "h.ts"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr

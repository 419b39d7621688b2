"""The TypeScript examples that matter most, run for real under Jest with the testing SDK:
the callback handlers of wait-operations (answered and rejected) and the Jest tests that
testing-patterns shows. One Jest process for all of them."""

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import TOOLCHAIN
from guide_blocks import blocks

JEST = TOOLCHAIN / "node_modules" / ".bin" / "jest"

HARNESS = """
import { LocalDurableTestRunner, WaitingOperationStatus } from "@aws/durable-execution-sdk-js-testing";

// The submitter calls an approval service; stand in for it.
(globalThis as any).fetch = async () => ({
  ok: true, status: 200, text: async () => "report", json: async () => ({ amount: 10, id: "j1", status: "DONE" }),
});

beforeAll(() => LocalDurableTestRunner.setupTestEnvironment({ skipTime: true }));
afterAll(() => LocalDurableTestRunner.teardownTestEnvironment());

async function answer(name: string, payload: unknown, reply: (op: any) => Promise<unknown>) {
  const runner = new LocalDurableTestRunner({ handlerFunction: handler });
  const op = runner.getOperation(name);
  const pending = runner.run({ payload });
  await op.waitForData(WaitingOperationStatus.STARTED);
  await reply(op);
  return pending;
}
"""


def example(topic: str, marker: str) -> str:
    code = next(b.code for b in blocks(topic) if b.lang == "ts" and marker in b.code)
    return code.replace("export const handler", "const handler")


@pytest.mark.slow
def test_typescript_examples_run_under_jest(tmp_path: Path) -> None:
    if not JEST.exists():
        pytest.skip("toolchain not installed: run make toolchain")
    (tmp_path / "node_modules").symlink_to(TOOLCHAIN / "node_modules")
    approval = example("wait-operations", '"manager-approval"') + HARNESS + """
it("returns the approver's decision", async () => {
  const result = await answer("manager-approval", { expenseId: "e1", approverEmail: "a@example.com" },
    (op) => op.sendCallbackSuccess(JSON.stringify({ approved: true })));
  expect(result.getResult()).toEqual({ expenseId: "e1", approved: true });
});
it("turns a rejection into a result", async () => {
  const result = await answer("manager-approval", { expenseId: "e2", approverEmail: "a@example.com" },
    (op) => op.sendCallbackFailure({ ErrorType: "Rejected", ErrorMessage: "over budget" }));
  expect(result.getResult()).toEqual({ expenseId: "e2", approved: false, reason: "over budget" });
});
"""
    created = example("wait-operations", '"job-finished"') + HARNESS + """
it("waits for the job callback", async () => {
  const result = await answer("job-finished", { jobId: "j1" },
    (op) => op.sendCallbackSuccess(JSON.stringify({ rows: 3 })));
  expect(result.getResult()).toEqual({ rows: 3 });
});
"""
    (tmp_path / "approval.test.ts").write_text(approval)
    (tmp_path / "create-callback.test.ts").write_text(created)
    shown = [b.code for b in blocks("testing-patterns") if b.lang == "ts" and ("describe(" in b.code or "\nit(" in b.code)]
    assert len(shown) >= 2
    for n, code in enumerate(shown):
        (tmp_path / f"testing-patterns-{n}.test.ts").write_text(code)
    (tmp_path / "replay-claims.test.ts").write_text(REPLAY_CLAIMS)
    handlers = write_handler_examples(tmp_path)
    (tmp_path / "jest.config.js").write_text("module.exports = " + json.dumps({
        "testEnvironment": "node",
        "transform": {"^.+\\.ts$": ["ts-jest", {"diagnostics": False, "tsconfig": {
            "target": "ES2022", "module": "commonjs", "esModuleInterop": True, "skipLibCheck": True}}]},
    }) + ";\n")
    proc = subprocess.run([str(JEST), "--rootDir", str(tmp_path), "--ci", "--silent"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
    assert proc.returncode == 0, tail
    assert f"Test Suites: {3 + len(shown) + handlers} passed" in proc.stderr + proc.stdout, tail


# What testing-patterns says about where the Jest runner replays with skipTime: at the first wait,
# and at a later one only if it ends after every wait skipped before it.
REPLAY_CLAIMS = """
import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";

type D = { days?: number; hours?: number; seconds?: number };
const twoWaits = (first: D, second: D) => withDurableExecution(async (_e: unknown, context: DurableContext) => {
  await context.step("before", async () => 1);
  await context.wait("first", first);
  await context.step(`named-${Date.now()}`, async () => 2);  // a replay bug
  await context.wait("second", second);
  return "ok";
});

beforeEach(() => LocalDurableTestRunner.setupTestEnvironment({ skipTime: true }));
afterEach(() => LocalDurableTestRunner.teardownTestEnvironment());

it("does not replay at a wait shorter than one already skipped", async () => {
  const result = await new LocalDurableTestRunner({ handlerFunction: twoWaits({ days: 1 }, { seconds: 5 }) }).run();
  expect(result.getStatus()).toBe("SUCCEEDED");
  expect(result.getInvocations()).toHaveLength(2);
});

it("replays at a longer one, where the replay bug shows", async () => {
  const result = await new LocalDurableTestRunner({ handlerFunction: twoWaits({ hours: 1 }, { hours: 2 }) }).run();
  expect(result.getStatus()).toBe("FAILED");
  expect(result.getError().errorType).toBe("NonDeterministicExecutionError");
});
"""

SAMPLE = {"orderId": "o1", "id": "i1", "amount": 42, "items": ["a", "b"], "ids": ["a", "b"], "userId": "u1",
          "jobId": "j1", "tripId": "t1", "expenseId": "e1", "approverEmail": "a@example.com", "sku": "s1",
          "url": "https://reports.example.com/r1", "images": ["a.png", "b.png"], "n": 2, "name": "n",
          "requestId": "r1"}
CALLBACK = re.compile(r'(?:waitForCallback|createCallback)(?:<[^>]*>)?\(\s*[`"]([^`"]+)[`"]')
INVOKE = re.compile(r'\.invoke(?:<[^>]*>)?\(\s*"[^"]+",(?:\s*//[^\n]*)?\s*"([^"]+)"')


def write_handler_examples(folder: Path) -> int:
    """One Jest file per exported handler in the guides: run it on a sample event, answer its
    callbacks, register the functions it invokes; it must succeed (or fail as the guide says)."""
    count = 0
    for b in blocks():
        if b.lang != "ts" or "fragment" in b.flags or "export const handler" not in b.code:
            continue
        callbacks = [re.sub(r"\$\{[^}]*\}", "0", n) for n in CALLBACK.findall(b.code)]
        invoked = INVOKE.findall(b.code)
        expect_failure = "errorMapper" in b.code  # that example fails on purpose
        test = b.code.replace("export const handler", "const handler") + HARNESS + f"""
it("runs {b.where}", async () => {{
  const runner = new LocalDurableTestRunner({{ handlerFunction: handler }});
  for (const fn of {json.dumps(invoked)}) runner.registerFunction(fn, async (e: any) => ({{ tax: 1, charged: e.amount }}));
  const ops = {json.dumps(callbacks)}.map((name) => runner.getOperation(name));
  const pending = runner.run({{ payload: {json.dumps(SAMPLE)} }});
  for (const op of ops) {{
    await op.waitForData(WaitingOperationStatus.STARTED);
    await op.sendCallbackSuccess(JSON.stringify({{ approved: true, rows: 3 }}));
  }}
  const result = await pending;
  if ({json.dumps(expect_failure)}) {{
    expect(result.getStatus()).toBe("FAILED");
    expect(result.getError().errorMessage).toMatch(/^import failed/);
  }} else {{
    expect(result.getStatus()).toBe("SUCCEEDED");
  }}
}});
"""
        (folder / f"example-{b.topic}-{b.line}.test.ts").write_text(test)
        count += 1
    assert count >= 15
    return count

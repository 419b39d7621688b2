"""Speed of the TypeScript/JavaScript analyzer frontend against bare tree-sitter parsing.

Generates about 20,000 lines of realistic durable-function TypeScript (handlers, steps, maps,
callbacks, helpers, a few replay bugs), then reports lines/second for summarize+check and the ratio
of analysis time to a bare parse. Targets: >= 50,000 lines/s, analysis <= 2x parse.
Run: .venv/bin/python bench/analyzer_ts_speed.py [lines]
"""

from __future__ import annotations

import statistics
import sys
import time

BLOCK = """
import {{ withDurableExecution, DurableContext }} from "@aws/durable-execution-sdk-js";
import {{ helper{i} }} from "./util";

const cache{i}: Record<string, number> = {{}};

export function pure{i}(a: number, b: number): number {{
  const xs = [a, b, a + b].map((v) => v * 2);
  return xs.reduce((s, v) => s + v, 0);
}}

export const handler{i} = withDurableExecution(async (event: any, context: DurableContext) => {{
  const order = await context.step("load-{i}", async () => {{
    const r = await fetch("https://example.com/x?id=" + event.id);
    return {{ id: event.id, t: Date.now(), body: await r.text() }};
  }});
  for (let i = 0; i < order.items.length; i++) {{
    await context.step(`process-${{i}}`, async () => helper{i}(order.items[i]));
  }}
  await context.wait({{ seconds: 30 }});
  const results = await context.map("items-{i}", order.items, async (child, item) => {{
    return child.step("price", async () => item.price * 2);
  }}, {{ maxConcurrency: 5 }});
  if (order.total > 100) {{
    context.logger.info("big order", {{ total: order.total }});
  }}
  const started = Date.now();
  const cb = await context.waitForCallback("approve-{i}", async (callbackId) => {{
    await sendEmail(callbackId);
  }}, {{ timeout: {{ hours: 2 }} }});
  return {{ ok: true, results: results.getResults(), cb, started, p: pure{i}(1, 2) }};
}});
"""


def generate(lines: int) -> bytes:
    out: list[str] = []
    n = i = 0
    while n < lines:
        block = BLOCK.format(i=i)
        out.append(block)
        n += block.count("\n")
        i += 1
    return "".join(out).encode()


def main() -> None:
    from tree_sitter import Parser

    from lambda_durable_mcp.analyzer.frontend import ProjectView
    from lambda_durable_mcp.analyzer.typescript.frontend import TypeScriptFrontend, _language

    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    src = generate(lines)
    nlines = src.count(b"\n")
    parser = Parser(_language("typescript"))
    parser.parse(src)
    parse_t, total_t = [], []
    diags = 0
    for _ in range(5):
        t0 = time.process_time()
        parser.parse(src)
        parse_t.append(time.process_time() - t0)
        fe = TypeScriptFrontend()  # fresh: no cache between runs
        t0 = time.process_time()
        ms = fe.summarize("bench.ts", src)
        diags = len(fe.check("bench.ts", src, ProjectView(root=".", summaries={"bench.ts": ms})))
        total_t.append(time.process_time() - t0)
    parse = statistics.median(parse_t)
    total = statistics.median(total_t)
    analysis = total - parse
    print(f"{nlines} lines, {diags} diagnostics")
    print(f"parse only        {parse * 1000:8.1f} ms  ({nlines / parse:,.0f} lines/s)")
    print(f"summarize+check   {total * 1000:8.1f} ms  ({nlines / total:,.0f} lines/s, target >= 50,000)")
    print(f"analysis / parse  {analysis / parse:8.2f}x  (target <= 2x)")


if __name__ == "__main__":
    main()

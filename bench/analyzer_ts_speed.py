"""Speed of the TypeScript/JavaScript analyzer frontend against bare tree-sitter parsing.

Generates about 20,000 lines of durable-function TypeScript as one file, in two mixes: handlers only
(a durable operation every ~5 lines) and handlers with the plain project code around them (types,
validation, a class, helpers), then reports lines/second for summarize+check (one analysis: check
reuses summarize's result) and its ratio to a bare tree-sitter parse of the same bytes with the same
grammar. The ratio is the whole analysis (parse included) over the bare parse, the same definition as
bench/analyzer_speed.py; the time beyond the parse is shown too. Times are CPU seconds of this process,
the minimum of 7 runs (the least noisy estimate on a shared machine), each with a fresh frontend.
Targets: >= 50,000 lines/s, analysis <= 2x parse.
Run: .venv/bin/python bench/analyzer_ts_speed.py [lines] (PYTHONPATH=build/compiled for the compiled build)
"""

from __future__ import annotations

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


# Plain project code around the handlers: types, validation, a class, formatting helpers.
PLAIN = """
export interface Order{i} {{
  id: string;
  customer: {{ name: string; email: string; tier: "gold" | "silver" | "basic" }};
  items: Array<{{ sku: string; qty: number; price: number }}>;
  total?: number;
}}

export type Result{i} = {{ ok: true; value: Order{i} }} | {{ ok: false; errors: string[] }};

export function validate{i}(input: unknown): Result{i} {{
  const errors: string[] = [];
  if (typeof input !== "object" || input === null) {{
    return {{ ok: false, errors: ["not an object"] }};
  }}
  const o = input as Partial<Order{i}>;
  if (!o.id || o.id.length > 64) errors.push("bad id");
  if (!Array.isArray(o.items) || o.items.length === 0) errors.push("no items");
  for (const item of o.items ?? []) {{
    if (item.qty <= 0) errors.push(`bad qty for ${{item.sku}}`);
    if (!(item.price >= 0)) errors.push(`bad price for ${{item.sku}}`);
  }}
  return errors.length ? {{ ok: false, errors }} : {{ ok: true, value: o as Order{i} }};
}}

export class PriceBook{i} {{
  private readonly prices = new Map<string, number>();
  constructor(entries: Array<[string, number]>) {{
    for (const [sku, price] of entries) this.prices.set(sku, price);
  }}
  priceOf(sku: string): number {{
    const p = this.prices.get(sku);
    if (p === undefined) throw new Error(`unknown sku ${{sku}}`);
    return p;
  }}
  total(items: Order{i}["items"]): number {{
    return items.reduce((sum, it) => sum + this.priceOf(it.sku) * it.qty, 0);
  }}
}}

export const formatMoney{i} = (cents: number, currency = "EUR"): string =>
  `${{(cents / 100).toFixed(2)}} ${{currency}}`;
"""


def generate(lines: int, plain: bool = False) -> bytes:
    out: list[str] = []
    n = i = 0
    while n < lines:
        block = BLOCK.format(i=i) + (PLAIN.format(i=i) if plain else "")
        out.append(block)
        n += block.count("\n")
        i += 1
    return "".join(out).encode()


def main() -> None:
    from analyzer_speed import build_kind  # this script's folder is on sys.path
    from tree_sitter import Parser

    from lambda_durable_mcp.analyzer.frontend import ProjectView
    from lambda_durable_mcp.analyzer.typescript.frontend import TypeScriptFrontend, _language

    print(f"build: {build_kind()}")
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    parser = Parser(_language("typescript"))
    for label, plain in (("handlers only (every block a durable handler)", False),
                         ("handlers with their types, validation, classes, helpers", True)):
        src = generate(lines, plain)
        nlines = src.count(b"\n")
        parser.parse(src)
        parse_t, total_t = [], []
        diags = 0
        for _ in range(7):
            t0 = time.process_time()
            parser.parse(src)
            parse_t.append(time.process_time() - t0)
            fe = TypeScriptFrontend()  # fresh: no cache between runs
            t0 = time.process_time()
            ms = fe.summarize("bench.ts", src)
            diags = len(fe.check("bench.ts", src, ProjectView(root=".", summaries={"bench.ts": ms})))
            total_t.append(time.process_time() - t0)
        parse = min(parse_t)
        total = min(total_t)
        print(f"{label}: {nlines} lines, {diags} diagnostics")
        print(f"  bare parse        {parse * 1000:8.1f} ms  ({nlines / parse:,.0f} lines/s)")
        print(f"  summarize+check   {total * 1000:8.1f} ms  ({nlines / total:,.0f} lines/s, target >= 50,000)")
        print(f"  analysis / parse  {total / parse:8.2f}x  (target <= 2x; beyond the parse: "
              f"{(total - parse) / parse:.2f}x)")


if __name__ == "__main__":
    main()

"""Precision and recall of the analyzer over the whole fixture corpus (every language present).

A true positive is a diagnostic whose (file, line, rule) an ``expect:`` comment (or ``.expect``
sidecar) names; anything else reported is a false positive; an expectation nobody met is a false
negative. Targets: precision >= 0.95 and recall >= 0.95.
Run: .venv/bin/python bench/analyzer_accuracy.py
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter, defaultdict
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[1] / "tests" / "test_analyzer_fixtures.py"


def load_harness():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("analyzer_fixture_harness", HARNESS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    h = load_harness()
    per_lang: dict[str, Counter[str]] = defaultdict(Counter)
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    skipped = 0
    for case_id, path in h.cases():
        if not h.handled(path):
            skipped += 1
            continue
        lang = case_id.split("/")[0]
        expected, actual, _errors, _messages = h.run_case(path)
        tp = expected & actual
        for bucket, counts in (("tp", tp), ("fp", actual - expected), ("fn", expected - actual)):
            for (_p, _line, rule), n in counts.items():
                per_lang[lang][bucket] += n
                per_rule[rule][bucket] += n
        per_lang[lang]["cases"] += 1

    def pr(c: Counter[str]) -> tuple[float, float]:
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        return p, r

    total: Counter[str] = Counter()
    for lang, c in sorted(per_lang.items()):
        p, r = pr(c)
        total.update(c)
        print(f"{lang:12} cases {c['cases']:4}  tp {c['tp']:4}  fp {c['fp']:3}  fn {c['fn']:3}  "
              f"precision {p:.3f}  recall {r:.3f}")
    for rule, c in sorted(per_rule.items()):
        if c["fp"] or c["fn"]:
            p, r = pr(c)
            print(f"  {rule}: tp {c['tp']} fp {c['fp']} fn {c['fn']} (precision {p:.2f}, recall {r:.2f})")
    p, r = pr(total)
    print(f"{'all':12} cases {total['cases']:4}  tp {total['tp']:4}  fp {total['fp']:3}  fn {total['fn']:3}  "
          f"precision {p:.3f}  recall {r:.3f}" + (f"  ({skipped} cases without an installed frontend)"
                                                 if skipped else ""))
    ok = p >= 0.95 and r >= 0.95
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

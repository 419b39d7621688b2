"""Each flagged bug really breaks a replay in the real SDK test runner, and the fix the message
proposes passes both the analyzer and the runner."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

from lambda_durable_mcp.analyzer import analyze_paths

HEAD = """\
import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

STATE = {"runs": 0}


@durable_execution
def handler(event: dict, context: DurableContext):
"""

# rule, buggy body, the buggy outcome (error type suffix or wrong result), fixed body, fixed result
SCENARIOS: list[tuple[str, str, str | Any, str, Any]] = [
    ("DUR001", """
        started = time.time()  # BUG
        saved = context.step(lambda _: started, name="save")
        context.wait(Duration.from_seconds(2), name="pause")
        return saved == started
     """, False, """
        started = context.step(lambda _: time.time(), name="now")
        saved = context.step(lambda _: started, name="save")
        context.wait(Duration.from_seconds(2), name="pause")
        return saved == started
     """, True),
    ("DUR010", """
        a = context.step(lambda _: context.step(lambda _: 1, name="inner"), name="outer")  # BUG
        context.wait(Duration.from_seconds(2), name="pause")
        return a + context.step(lambda _: 1, name="last")
     """, "NonDeterministicExecutionError", """
        a = context.run_in_child_context(lambda child: child.step(lambda _: 1, name="inner"), name="outer")
        context.wait(Duration.from_seconds(2), name="pause")
        return a + context.step(lambda _: 1, name="last")
     """, 2),
    ("DUR012", """
        seen = []
        context.step(lambda _: seen.append(1), name="remember")  # BUG
        context.wait(Duration.from_seconds(2), name="pause")
        return len(seen)
     """, 0, """
        seen = [context.step(lambda _: 1, name="remember")]
        context.wait(Duration.from_seconds(2), name="pause")
        return len(seen)
     """, 1),
    ("DUR013", """
        STATE["runs"] += 1  # BUG
        if STATE["runs"] == 1:
            context.step(lambda _: 1, name="first-only")
        context.wait(Duration.from_seconds(2), name="pause")
        return "done"
     """, "NonDeterministicExecutionError", """
        runs = {"runs": 0}
        runs["runs"] += 1
        if runs["runs"] == 1:
            context.step(lambda _: 1, name="first-only")
        context.wait(Duration.from_seconds(2), name="pause")
        return "done"
     """, "done"),
    ("DUR016", """
        try:
            context.wait(Duration.from_seconds(2), name="pause")
        except:  # BUG
            return "swallowed"
        return "waited"
     """, "swallowed", """
        try:
            context.wait(Duration.from_seconds(2), name="pause")
        except Exception:
            return "failed"
        return "waited"
     """, "waited"),
    ("DUR034", """
        tags = context.step(lambda _: {"b", "a"}, name="tags")  # BUG
        return sorted(tags)
     """, "SerDesError", """
        tags = context.step(lambda _: sorted({"b", "a"}), name="tags")
        return tags
     """, ["a", "b"]),
]


def load(path: Path) -> Any:
    name = f"replay_case_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.handler


def run(handler: Any) -> tuple[str, str | None, Any]:
    with DurableFunctionTestRunner(handler=handler) as runner:
        result = runner.run(input="{}")
    error = result.error.type if result.error else None
    value = json.loads(result.result) if result.result is not None else None
    return result.status.name, error, value


def write(tmp_path: Path, name: str, body: str) -> tuple[Path, int]:
    code = HEAD + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    path = tmp_path / f"{name}.py"
    path.write_text(code)
    bug_line = next((i for i, line in enumerate(code.splitlines(), 1) if "# BUG" in line), 0)
    return path, bug_line


@pytest.mark.parametrize(("rule", "buggy", "outcome", "fixed", "fixed_result"), SCENARIOS,
                         ids=[s[0] for s in SCENARIOS])
def test_flagged_bug_breaks_replay_and_the_fix_works(tmp_path: Path, rule: str, buggy: str, outcome: Any,
                                                     fixed: str, fixed_result: Any) -> None:
    bad_path, bug_line = write(tmp_path, f"bad_{rule}", buggy)
    found = [(d.line, d.rule) for d in analyze_paths([bad_path], root=tmp_path).diagnostics
             if d.severity != "info"]
    assert found == [(bug_line, rule)]

    status, error, value = run(load(bad_path))
    if isinstance(outcome, str) and outcome.endswith("Error"):
        assert status == "FAILED" and error and error.endswith(outcome), (status, error)
    else:
        assert status == "SUCCEEDED" and value == outcome and value != fixed_result

    good_path, _ = write(tmp_path, f"good_{rule}", fixed)
    assert [d for d in analyze_paths([good_path], root=tmp_path).diagnostics if d.severity != "info"] == []
    assert run(load(good_path)) == ("SUCCEEDED", None, fixed_result)


DUR034_MODULE = """\
import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

import boto3
from aws_durable_execution_sdk_python import DurableContext, durable_execution

s3 = boto3.client("s3", region_name="us-east-1")


@dataclass
class Quote:
    carrier: str
    price: float


class Box:
    def __init__(self, size):
        self.size = size


class Rate(NamedTuple):
    carrier: str


class Status(str, Enum):
    OPEN = "open"


class Color(Enum):
    RED = "red"


def fetch_quotes(kg):
    return [Quote("dhl", 1.9 * kg)]


def best_quote(kg) -> Quote:
    return min(fetch_quotes(kg), key=lambda q: q.price)


def lines(text):
    yield from text.splitlines()


@durable_execution
def handler(event: dict, context: DurableContext):
    return str(context.step(lambda _: {expr}, name="result"))
"""

# (step result, whether the SDK's default serializer rejects it)
DUR034_CASES = [
    ('[Quote("dhl", 1.9)]', True),
    ("fetch_quotes(2)", True),
    ("best_quote(2)", True),
    ("{q.carrier: q for q in fetch_quotes(1)}", True),
    ("(x for x in [1, 2])", True),
    ("({1}, 2)", True),
    ('{"box": Box(3)}', True),
    ('lines("a\\\\nb")', True),
    ('s3.get_object(Bucket="reports", Key="k")', True),
    ('[dataclasses.asdict(q) for q in fetch_quotes(1)]', False),
    ('list(lines("a\\\\nb"))', False),
    ('[Rate("dhl"), Status("open")]', False),
    ('s3.get_object(Bucket="reports", Key="k")["Body"].read().decode()', False),
    ("(sorted({1, 2}), 2)", False),
    ("Color.RED", True),  # a plain Enum (no str or int mixin)
    ('Color("red")', True),
    ("Color.RED.value", False),
]


@pytest.mark.parametrize(("expr", "rejected"), DUR034_CASES, ids=[c[0] for c in DUR034_CASES])
def test_dur034_flags_exactly_the_step_results_the_sdk_rejects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              expr: str, rejected: bool) -> None:
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    path = tmp_path / "dur034_case.py"
    path.write_text(DUR034_MODULE.replace("{expr}", expr))
    found = [d.rule for d in analyze_paths([path], root=tmp_path).diagnostics if d.severity != "info"]
    assert found == (["DUR034"] if rejected else [])
    with mock_aws():
        import boto3

        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="reports")
        boto3.client("s3", region_name="us-east-1").put_object(Bucket="reports", Key="k", Body=b"x")
        status, error, _ = run(load(path))
    if rejected:
        assert status == "FAILED" and (error or "").endswith("SerDesError"), (status, error)
    else:
        assert (status, error) == ("SUCCEEDED", None)


DUR015_MODULE = """\
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


{decorator}
def fraud_check(step: StepContext, customer: str) -> dict:
    return {{"customer": customer, "risk": 12}}


@durable_execution
def handler(event: dict, context: DurableContext):
    check = context.step({call}, name="fraud-check")
    return check["risk"]
"""


def test_dur015_decorate_fix_drops_the_step_context_argument(tmp_path: Path) -> None:
    """The "decorate with @durable_step" fix also says to drop the context the caller passed, and a
    decorated function called with the context too (one argument too many) is reported: the SDK's
    wrapper calls func(step_context, *args)."""
    def lint(name: str, decorator: str, call: str) -> tuple[Path, list[Any]]:
        path = tmp_path / f"{name}.py"
        path.write_text(DUR015_MODULE.format(decorator=decorator, call=call))
        return path, [d for d in analyze_paths([path], root=tmp_path).diagnostics if d.severity != "info"]

    _, found = lint("bug", "", 'fraud_check(None, event.get("customer"))')
    assert [d.rule for d in found] == ["DUR015"]
    assert 'so drop it at the call site: fraud_check(event.get("customer"))' in (found[0].fix or "")

    # only decorating, as the old fix said: reported, and it really fails
    half, found = lint("half", "@durable_step", 'fraud_check(None, event.get("customer"))')
    assert [d.rule for d in found] == ["DUR015"]
    assert "takes 1 after the context" in found[0].message
    assert found[0].fix == 'drop the step-context argument: fraud_check(event.get("customer"))'
    status, error, _ = run(load(half))
    assert (status, error) == ("FAILED", "aws_durable_execution_sdk_python.exceptions.StepError")  # a TypeError inside

    # the whole fix, applied literally: clean, and it runs
    good, found = lint("good", "@durable_step", 'fraud_check(event.get("customer"))')
    assert found == []
    assert run(load(good)) == ("SUCCEEDED", None, 12)


VALUE_FIX_MODULE = """\
import uuid
from datetime import datetime, timezone

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event: dict, context: DurableContext):
    created_at = datetime.now(timezone.utc).isoformat()
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    ref = uuid.uuid4().hex
    order_id = str(uuid.uuid4())
    row = context.step(lambda _: "|".join([created_at, day, ref, order_id]), name="save")
    context.wait(Duration.from_seconds(1), name="pause")
    return row == "|".join([created_at, day, ref, order_id]) and isinstance(created_at, str)
"""


def test_dur001_dur002_fixes_applied_literally_keep_the_value_and_distinct_names(tmp_path: Path) -> None:
    """Each fix moves the whole value (with .isoformat(), .strftime(...), .hex, str(...)) into a step
    named after the variable: applied literally, all four together lint clean (no DUR030 for a shared
    name) and the handler runs; before, the replay saw new values."""
    bad = tmp_path / "values_bad.py"
    bad.write_text(VALUE_FIX_MODULE)
    found = [d for d in analyze_paths([bad], root=tmp_path).diagnostics if d.severity != "info"]
    assert [(d.line, d.rule) for d in found] == [(10, "DUR001"), (11, "DUR001"), (12, "DUR002"), (13, "DUR002")]
    assert run(load(bad)) == ("SUCCEEDED", None, False)

    lines = VALUE_FIX_MODULE.splitlines()
    for d in found:
        code = (d.fix or "").split(": ", 1)[1]
        lines[d.line - 1] = "    " + code
    assert lines[9] == ('    created_at = context.step(lambda _: datetime.now(timezone.utc).isoformat(), '
                        'name="created-at")')
    good = tmp_path / "values_good.py"
    good.write_text("\n".join(lines) + "\n")
    assert [d for d in analyze_paths([good], root=tmp_path).diagnostics if d.severity != "info"] == []
    assert run(load(good)) == ("SUCCEEDED", None, True)


FINALLY_FIX_MODULE = """\
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event: dict, context: DurableContext):
    context.step(lambda _: "locked", name="lock")
    try:
        context.wait(Duration.from_seconds(1), name="settle")
        count = context.step(lambda _: 41, name="count")
    except Exception:
        context.step(lambda _: "free", name="unlock")
        raise
    context.step(lambda _: "free", name="unlock")
    return count
"""


def test_dur016_cleanup_fix_keeps_one_name_without_dur030(tmp_path: Path) -> None:
    """DUR016's fix (the cleanup after the try, and in `except Exception: <cleanup>; raise`) uses the
    same step name twice; the two can never both run, so DUR030 stays silent, and the SDK agrees."""
    path = tmp_path / "cleanup.py"
    path.write_text(FINALLY_FIX_MODULE)
    assert [d for d in analyze_paths([path], root=tmp_path).diagnostics if d.severity != "info"] == []
    assert run(load(path)) == ("SUCCEEDED", None, 41)


JITTER_MODULE = """\
import random
import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event: dict, context: DurableContext):
    started = time.monotonic()
    digest = context.step(lambda _: ["ai-news", "cloud-news"], name="build-digest")
    context.logger.info("digest built", extra={"ms": int((time.monotonic() - started) * 1000)})
    context.wait(Duration.from_seconds(1 + random.randint(0, 1)), name="jittered-delay")
    delay = 1 + random.randint(0, 1)
    context.wait(Duration.from_seconds(delay), name="second-delay")
    return context.step(lambda _: {"items": digest}, name="send-digest")
"""


def test_clock_or_random_only_in_a_log_or_wait_duration_is_a_warning_and_runs(tmp_path: Path) -> None:
    """A jittered wait duration and a monotonic timing that only reaches a log line replay correctly in
    the SDK runner (a wait's replay identity is its type, name and parent); they are warnings, not
    errors, and the timing pair is one finding. A clock value in a duration stays an error (it drifts
    below 1 second as time passes: ValidationError)."""
    path = tmp_path / "jitter.py"
    path.write_text(JITTER_MODULE)
    found = [(d.line, d.rule, d.severity) for d in analyze_paths([path], root=tmp_path).diagnostics]
    assert found == [(10, "DUR001", "warning"), (13, "DUR002", "warning"), (14, "DUR002", "warning")]
    assert run(load(path)) == ("SUCCEEDED", None, {"items": ["ai-news", "cloud-news"]})

    clock = tmp_path / "clock_wait.py"
    clock.write_text(JITTER_MODULE.replace("1 + random.randint(0, 1)), name=\"jittered", "DEADLINE - time.time()), "
                                           "name=\"jittered").replace("import time\n", "import time\n\nDEADLINE = 0\n"))
    line = next(i for i, text in enumerate(clock.read_text().splitlines(), 1) if "DEADLINE - time.time()" in text)
    found = [(d.rule, d.severity) for d in analyze_paths([clock], root=tmp_path).diagnostics if d.line == line]
    assert found == [("DUR001", "error")]


MAP_ITEM_MODULE = """\
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def encode_chunk(step_context: StepContext, payload: dict) -> dict:
    return {"chunk": payload["i"], "ok": True}


@durable_execution
def handler(event: dict, context: DurableContext):
    chunk_payloads = [{"i": i} for i in range(3)]
    batch = context.map(lambda p: encode_chunk(p), chunk_payloads)
    return [r["chunk"] for r in batch.get_results()]
"""


def test_map_item_function_of_one_parameter_fixes_agree_and_run(tmp_path: Path) -> None:
    """`map(lambda p: encode(p), items)`: swapped, one parameter, and a @durable_step callable returned.
    The three fixes must agree on the parameters (p is the item, the context comes first) and, applied
    together, give a handler whose items all run; before, one reading gave SUCCEEDED with no results."""
    bad = tmp_path / "map_bad.py"
    bad.write_text(MAP_ITEM_MODULE)
    fixes = {(d.rule, d.column): d.fix or "" for d in analyze_paths([bad], root=tmp_path).diagnostics}
    swapped, arity, result = fixes[("DUR015", 13)], fixes[("DUR015", 25)], fixes[("DUR034", 35)]
    assert swapped == 'context.map(chunk_payloads, lambda ..., name="batch")'
    assert arity.startswith("add the context before the item: (lambda ctx, p, *_)")
    assert result.endswith("run it and return its result: ctx.step(encode_chunk(p))")
    good = tmp_path / "map_good.py"
    good.write_text(MAP_ITEM_MODULE.replace(
        "context.map(lambda p: encode_chunk(p), chunk_payloads)",
        'context.map(chunk_payloads, lambda ctx, p, *_: ctx.step(encode_chunk(p)), name="batch")'))
    assert [d for d in analyze_paths([good], root=tmp_path).diagnostics if d.severity != "info"] == []
    assert run(load(good)) == ("SUCCEEDED", None, [0, 1, 2])


CONVERTED_MODULE = """\
import time
from dataclasses import dataclass

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@dataclass
class Shipment:
    carrier: str
    tracking: str


@durable_execution
def handler(event: dict, context: DurableContext):
    stamp = time.localtime()
    shipment = context.step(lambda _: Shipment("dhl", "TRK-1"), name="ship")
    context.wait(Duration.from_seconds(2), name="settle")
    return [shipment.tracking, stamp.tm_hour >= 0]
"""


def test_fixes_for_values_that_come_back_as_other_types_keep_the_code_working(tmp_path: Path) -> None:
    """A struct_time comes back from a checkpoint as a list and a dataclass as a dict: the fixes
    checkpoint the seconds and convert after the step, and rebuild the object after the step."""
    bad = tmp_path / "converted_bad.py"
    bad.write_text(CONVERTED_MODULE)
    fixes = {d.rule: d.fix or "" for d in analyze_paths([bad], root=tmp_path).diagnostics}
    clock = fixes["DUR001"].split(": ", 1)[1].split(" (a struct_time")[0]
    assert clock == 'stamp = time.localtime(context.step(lambda _: time.time(), name="stamp"))'
    assert "rebuild it after the step: Shipment(**x)" in fixes["DUR034"]
    good = tmp_path / "converted_good.py"
    good.write_text(CONVERTED_MODULE.replace("    stamp = time.localtime()", "    " + clock).replace(
        'shipment = context.step(lambda _: Shipment("dhl", "TRK-1"), name="ship")',
        'shipment = Shipment(**context.step(lambda _: dataclasses.asdict(Shipment("dhl", "TRK-1")), name="ship"))')
        .replace("import time\n", "import dataclasses\nimport time\n"))
    assert [d for d in analyze_paths([good], root=tmp_path).diagnostics if d.severity != "info"] == []
    assert run(load(good)) == ("SUCCEEDED", None, ["TRK-1", True])

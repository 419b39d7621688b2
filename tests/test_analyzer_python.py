"""Python frontend details the fixture harness does not show: messages, chains, fixes, summaries."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from lambda_durable_mcp.analyzer import analyze_paths, analyze_source
from lambda_durable_mcp.analyzer.frontend import ProjectView
from lambda_durable_mcp.analyzer.model import RULES
from lambda_durable_mcp.analyzer.python import FRONTEND

HEAD = "from aws_durable_execution_sdk_python import DurableContext, durable_execution\n" \
       "from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig\n"


def diags(code: str) -> list[tuple[int, str]]:
    return [(d.line, d.rule) for d in analyze_source(HEAD + code, "python").diagnostics]


def test_messages_say_what_why_fix_and_guide() -> None:
    (d,) = analyze_source(HEAD + "@durable_execution\ndef h(event, ctx):\n    import random\n"
                          "    x = random.randint(1, 6)\n    ctx.step(lambda _: x, name=\"use\")\n", "python").diagnostics
    assert d.rule == "DUR002" and d.line == 6 and d.column == 9
    assert "random.randint" in d.message and "replay" in d.message
    assert d.fix == "generate it inside a step: x = ctx.step(lambda _: random.randint(1, 6), name=\"x\")"
    # The TypeScript layout: `<what and why>; <short fix> (guide: <section>)`, the full fix only in `fix`.
    assert d.message.endswith("; move it into a step (guide: " + RULES["DUR002"].guide + ")")
    assert d.fix not in d.message and "Fix:" not in d.message


def test_contexts_resolve_through_aliases_destructuring_and_keywords() -> None:
    code = """
@durable_execution
def h(event, context):
    a, b = context, 1
    c = a
    c.wait(Duration.from_seconds(0), name="w1")
    helper(x=1, ctx=c)

def helper(x, ctx):
    ctx.wait(duration=Duration(), name="w2")
"""
    assert diags(code) == [(8, "DUR031"), (12, "DUR031")]


def test_rebinding_a_name_ends_its_context_role() -> None:
    code = """
class Sim:
    def wait(self, d): ...

@durable_execution
def h(event, context):
    context.wait(Duration.from_seconds(5), name="ok")
    context = Sim()
    context.wait(Duration.from_seconds(0))
"""
    assert diags(code) == []


def test_dur005_chain_crosses_files_and_names_every_hop(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "low.py").write_text("import time\n\ndef now():\n    return time.time()\n")
    (tmp_path / "pkg" / "mid.py").write_text("from pkg.low import now\n\ndef stamp(x):\n    return (x, now())\n")
    (tmp_path / "app.py").write_text(HEAD + "from pkg import mid\n\n@durable_execution\ndef h(e, ctx):\n"
                                     "    x = mid.stamp(1)\n    ctx.wait(Duration.from_seconds(5), name=\"w\")\n"
                                     "    return x\n")
    result = analyze_paths([tmp_path], root=tmp_path)
    (d,) = result.diagnostics
    assert (d.path, d.line, d.rule) == ("app.py", 7, "DUR005")
    # a hop in the previous hop's folder is named from there
    assert "pkg/mid.py:stamp -> low.py:now -> time.time()" in d.message
    assert "ctx.step(lambda _: mid.stamp(...)" in d.fix
    # Alone (a pre-commit run with only app.py staged), app.py still reads the helpers it imports
    # from disk, and only app.py is reported on.
    alone = analyze_paths([tmp_path / "app.py"], root=tmp_path)
    assert [(x.path, x.line, x.rule, x.message) for x in alone.diagnostics] == [
        (d.path, d.line, d.rule, d.message)]
    assert alone.files == 1


def test_dur005_chain_in_one_file_names_functions_only(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(HEAD + "import time\n\ndef low():\n    return time.time()\n\n"
                                     "def mid():\n    return low()\n\n@durable_execution\ndef h(e, ctx):\n"
                                     "    return {\"at\": mid(), \"n\": ctx.step(lambda _: 1, name=\"n\")}\n")
    (d,) = analyze_paths([tmp_path], root=tmp_path).diagnostics
    assert d.rule == "DUR005"
    assert ": mid -> low -> time.time()" in d.message


def test_dur015_across_files(tmp_path: Path) -> None:
    (tmp_path / "steps.py").write_text("def charge(sc, amount):\n    return amount\n\n"
                                       "from aws_durable_execution_sdk_python import durable_step\n\n"
                                       "@durable_step\ndef refund(sc, amount):\n    return amount\n")
    (tmp_path / "app.py").write_text(HEAD + "from steps import charge, refund\n\n@durable_execution\n"
                                     "def h(e, ctx):\n    ctx.step(charge(1), name='c')\n    ctx.step(refund(1))\n")
    result = analyze_paths([tmp_path], root=tmp_path)
    assert [(d.path, d.line, d.rule) for d in result.diagnostics] == [("app.py", 7, "DUR015")]
    assert "@durable_step" in result.diagnostics[0].fix


def test_summaries_carry_impurity_calls_and_durations() -> None:
    code = HEAD + """
import uuid

def make():
    return uuid.uuid4()

def wrap():
    return make()

@durable_execution
def h(event, ctx):
    ctx.wait(Duration.from_hours(2), name="w")
    ctx.wait_for_callback(lambda cid, c: None, name="cb", config=WaitForCallbackConfig(timeout=Duration.from_days(3)))
"""
    s = FRONTEND.summarize("/p/app.py", code.encode())
    assert s.functions["make"].impurity == ("DUR002", "uuid.uuid4()")
    assert ("/p/app.py", "make") in s.functions["wrap"].calls
    assert [(f.kind, f.seconds) for f in s.durations] == [("wait", 7200.0), ("callback-timeout", 259200.0)]
    view = ProjectView(root="/p", summaries={"/p/app.py": s})
    assert FRONTEND.check("/p/app.py", code.encode(), view) == []


def test_snippets_without_imports_still_resolve_sdk_names() -> None:
    code = "import time\n\n@durable_execution\ndef handler(event, context):\n    t = time.time()\n" \
           "    context.step(lambda _: t, name=\"use\")\n"
    assert [(d.line, d.rule) for d in analyze_source(code).diagnostics] == [(5, "DUR001")]


def test_each_problem_is_reported_once() -> None:
    code = """
import time
@durable_execution
def h(event, ctx):
    if time.time() > 5:
        ctx.step(lambda _: 1, name="a")
    ctx.step(lambda _: ctx.wait(Duration.from_seconds(0)), name="b")
"""
    # the branch on time.time() is DUR001's: its fix (the time in a step) clears the branch too
    assert diags(code) == [(7, "DUR001"), (9, "DUR010")]


def test_python_fixtures_use_the_real_sdk_api() -> None:
    """Every name a fixture imports from the durable SDK exists in the installed SDK."""
    import ast
    import importlib

    fixtures = Path(__file__).parent / "fixtures" / "analyzer" / "python"
    checked = 0
    for path in fixtures.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text())
        except SyntaxError:
            continue  # the parse-error fixture and 3.12+ syntax on an older interpreter
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_durable_execution_sdk_python"):
                module = importlib.import_module(node.module or "")
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{path.name}: {node.module} has no {alias.name}"
                    checked += 1
    assert checked > 100


def test_dur034_matches_what_the_sdk_serializer_accepts() -> None:
    """The rule flags exactly the results the SDK's default serializer rejects."""
    import datetime as dt
    import decimal
    import uuid

    import pytest
    from aws_durable_execution_sdk_python.exceptions import SerDesError
    from aws_durable_execution_sdk_python.serdes import deserialize, serialize

    class Order:
        pass

    for value in ({"a"}, frozenset({1}), Order(), lambda: 1):
        with pytest.raises(SerDesError):
            serialize(None, value, "op", "arn")
    for value in (dt.datetime(2026, 1, 1, 12), dt.date(2026, 1, 1), decimal.Decimal("1.5"), uuid.uuid4(),
                  b"x", (1, 2), {"k": [1, 2]}):
        assert deserialize(None, serialize(None, value, "op", "arn"), "op", "arn") == value
    flagged = diags("""
import datetime, decimal
class Order: ...
@durable_execution
def h(e, ctx):
    ctx.step(lambda _: {"a"}, name="a")
    ctx.step(lambda _: frozenset(), name="b")
    ctx.step(lambda _: Order(), name="c")
    ctx.step(lambda _: datetime.datetime.now(), name="d")
    ctx.step(lambda _: decimal.Decimal("1"), name="e")
    ctx.step(lambda _: (1, 2), name="f")
""")
    assert flagged == [(8, "DUR034"), (9, "DUR034"), (10, "DUR034")]


def _fixes(code: str) -> dict[int, tuple[str, str]]:
    return {d.line: (d.rule, d.fix) for d in analyze_source(HEAD + code, "python").diagnostics}


def test_dur010_in_a_submitter_says_to_call_the_plain_function() -> None:
    fixes = _fixes("""
@durable_execution
def h(event, context: DurableContext):
    def submit(callback_id, _c):
        context.step(lambda _: callback_id, name="send")
        context.wait(Duration.from_seconds(5), name="w")
    return context.wait_for_callback(submit, name="cb", config=WaitForCallbackConfig(timeout=Duration.from_hours(1)))
""")
    assert fixes[7][0] == "DUR010" and "plain function inside the submitter" in fixes[7][1]
    assert "run_in_child_context" not in fixes[7][1]
    assert fixes[8][0] == "DUR010" and "orchestration code" in fixes[8][1]


def test_dur035_fix_fits_the_api() -> None:
    fixes = _fixes("""
import boto3, requests
lam = boto3.client("lambda")
sqs = boto3.client("sqs")
cw = boto3.client("cloudwatch")
@durable_execution
def h(event, context: DurableContext):
    context.step(lambda _: lam.invoke(FunctionName="f:live", InvocationType="Event"), name="a")
    context.step(lambda _: requests.post("https://x.example/pay", json={}), name="b")
    context.step(lambda _: sqs.send_message(QueueUrl="q", MessageBody="m"), name="c")
    context.step(lambda _: cw.put_metric_data(Namespace="n", MetricData=[]), name="d")
    def submit(cid, _c):
        sqs.send_message(QueueUrl="q", MessageBody=cid)
    context.wait_for_callback(submit, name="e", config=WaitForCallbackConfig(timeout=Duration.from_hours(1)))
""")
    invoke, http, sqs, metric, submitter = (fixes[n][1] for n in (10, 11, 12, 13, 15))
    assert "context.invoke(" in invoke and "ClientToken" not in invoke and "MessageDeduplicationId" not in invoke
    assert "AT_MOST_ONCE_PER_RETRY" in invoke
    assert "Idempotency-Key" in http and "ClientToken" not in http
    assert "FIFO" in sqs and "MessageDeduplicationId" in sqs
    assert "CloudWatch" in metric
    assert "retry_strategy=RetryPresets.none()" in submitter and "step_semantics=" not in submitter


def test_dur004_fix_for_the_environment_never_checkpoints_os_environ() -> None:
    fixes = _fixes("""
import os
@durable_execution
def h(event, context: DurableContext):
    if os.environ.get("MODE") == "fast":
        return 1
    mode = os.getenv("SPEED")
    if mode:
        return 2
    if context.lambda_context.aws_request_id:
        return 3
    context.step(lambda _: 4, name="later")
""")
    for line in (7, 10):
        rule, fix = fixes[line]
        # a published version's environment cannot change; else only the one variable goes in a step
        assert rule == "DUR004" and "published version" in fix and "os.environ)" not in fix
    assert "context.step(lambda _: os.environ.get('MODE'), name=\"read-config\")" in fixes[7][1]
    assert fixes[12] == ("DUR004", "read it inside a step and branch on the step's checkpointed result")


def test_dur005_chain_names_the_most_serious_impurity() -> None:
    code = """
import boto3, datetime, os, random
table = boto3.resource("dynamodb").Table("progress")
def log_progress(step):
    if os.environ.get("DEBUG"):
        pass
    now = datetime.datetime.now().isoformat()
    item = table.get_item(Key={"step": step})
    table.update_item(Key={"step": step}, UpdateExpression="SET t = :t", ExpressionAttributeValues={":t": now})
    return item
def pick():
    if os.environ.get("X"):
        return random.random()
    return datetime.datetime.now()
def fetch():
    datetime.datetime.now()
    return table.get_item(Key={})
@durable_execution
def h(event, context: DurableContext):
    log_progress("start")
    pick()
    fetch()
    context.step(lambda _: 1, name="later")
"""
    messages = [d.message for d in analyze_source(HEAD + code, "python").diagnostics if d.rule == "DUR005"]
    assert len(messages) == 3
    assert "log_progress -> table.update_item(...)" in messages[0]
    assert "pick -> random.random()" in messages[1]
    assert "fetch -> table.get_item(...)" in messages[2]


def test_dur003_fix_is_balanced_and_reads_a_streaming_body_in_the_step() -> None:
    fixes = _fixes("""
import boto3
s3 = boto3.client("s3")
lam = boto3.client("lambda")
ddb = boto3.client("dynamodb")
@durable_execution
def h(event, context: DurableContext):
    long = s3.get_object(Bucket="my-artifact-bucket-with-a-long-name", Key=event["batch"]["key"])
    short = s3.get_object(Bucket="b", Key="k")
    out = lam.invoke(FunctionName="f:live", Payload=b"{}")
    item = ddb.get_item(TableName="a-table-with-a-rather-long-name", Key={"pk": {"S": event["id"]}})
    context.step(lambda _: 1, name="later")
    return [long, short, out, item]
""")
    long, short, out, item = (fixes[n][1] for n in (10, 11, 12, 13))
    for fix in (long, short, out, item):
        assert fix.count("(") == fix.count(")") and fix.count("[") == fix.count("]"), fix
        code = re.split("; (?:a step result is checkpointed|data is then)", fix)[0]  # (notes follow the code)
        assert re.search(r'name="(fetch|write)(-[0-9])?"\)$', code), fix
    assert 's3.get_object(...)["Body"].read().decode(), name="fetch")' in long
    assert 'data is then the decoded text: use it where the code read ["Body"]' in long
    # one step name per fix, so that applying them all adds no DUR030
    assert [re.findall(r'name="([^"]+)"', f)[0] for f in (long, short, out, item)] == \
        ["fetch", "fetch-2", "write", "fetch-3"]
    assert "s3.get_object(Bucket='b', Key='k')[\"Body\"].read().decode()" in short
    assert "lam.invoke(FunctionName='f:live', Payload=b'{}')[\"Payload\"].read().decode()" in out
    assert "ddb.get_item(...), name=\"fetch-3\")" in item and "Body" not in item


def test_snippet_mode_only_for_an_unbound_context() -> None:
    fragment = 'import time\ncontext.step(lambda _: 1, name=f"run-{time.time()}")\n'
    assert [(d.line, d.rule) for d in analyze_source(fragment, "python").diagnostics] == [(2, "DUR030")]
    for prefix in ("from helpers import *\n", "context = make()\n", "def setup():\n    global context\n",
                   "import context\n", "with open_context() as context:\n    pass\n"):
        assert analyze_source(prefix + fragment, "python").diagnostics == [], prefix


def test_step_fixes_keep_what_turns_a_response_into_a_value_and_collect_generators() -> None:
    fixes = _fixes("""
import boto3, requests
table = boto3.resource("dynamodb").Table("t")

def pages(url):
    while url:
        body = requests.get(url, timeout=5).json()
        yield body["items"]
        url = body.get("next")

@durable_execution
def h(event, context: DurableContext):
    rates = requests.get("https://fx.example.com/rates", timeout=5).json()
    item = table.get_item(Key={"id": event["id"]})["Item"]
    n = sum(len(p) for p in pages(event["feed"]))
    context.wait(Duration.from_seconds(5), name="w")
    return [rates, item, n]
""")
    assert fixes[15][0] == "DUR003" and "requests.get(...).json()" in fixes[15][1]
    assert fixes[16][0] == "DUR003" and 'get_item(Key={\'id\': event[\'id\']})["Item"]' in fixes[16][1]
    assert fixes[17][0] == "DUR005" and "list(pages(...))" in fixes[17][1]


def test_dur005_fix_for_an_async_helper_runs_it_to_completion() -> None:
    fixes = _fixes("""
import asyncio, httpx

async def fetch_all(urls):
    async with httpx.AsyncClient() as client:
        return [r.status_code for r in await asyncio.gather(*(client.get(u) for u in urls))]

@durable_execution
def h(event, context: DurableContext):
    codes = asyncio.run(fetch_all(event["urls"]))
    context.wait(Duration.from_seconds(5), name="w")
    return codes
""")
    (line,) = [k for k, v in fixes.items() if v[0] == "DUR005"]
    assert "asyncio.run(fetch_all(...))" in fixes[line][1]  # a coroutine cannot be checkpointed


def test_http_fix_keeps_a_value_the_step_can_checkpoint() -> None:
    """A requests Response is rejected by the SDK's serdes, so the DUR003/DUR021 fixes end in the body
    (`.json()`) or the status (`.status_code`) when the code does not read one itself."""
    import http.server
    import threading

    import requests
    from aws_durable_execution_sdk_python.exceptions import SerDesError
    from aws_durable_execution_sdk_python.serdes import serialize

    code = """import requests

@durable_execution
def h(event, context: DurableContext):
    res = requests.get("http://127.0.0.1/u", timeout=5)
    data = requests.get("http://127.0.0.1/v", timeout=5).json()
    requests.post("http://127.0.0.1/w", json=data, timeout=5)
    context.step(lambda _: 1, name="later")
    return res.json()["a"]
"""
    fixes = {d.line: d.fix for d in analyze_source(HEAD + code, "python").diagnostics}
    assert fixes[7].endswith('requests.get(\'http://127.0.0.1/u\', timeout=5).json(), name="fetch")')
    assert fixes[8].endswith('requests.get(\'http://127.0.0.1/v\', timeout=5).json(), name="fetch-2")')
    assert ".json().json()" not in fixes[8]
    assert fixes[9].endswith('.status_code, name="write")')

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"a": 1}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        res = requests.get(f"http://127.0.0.1:{server.server_port}/u", timeout=5)
        try:
            serialize(None, res, "op", "arn")
            raise AssertionError("a Response should not serialize")
        except SerDesError:
            pass
        assert serialize(None, res.json(), "op", "arn") and serialize(None, res.status_code, "op", "arn")
    finally:
        server.shutdown()
        server.server_close()


def test_dur005_never_suggests_a_step_around_a_helper_given_the_context_in_a_dict() -> None:
    code = """import requests

def reserve(deps: dict, item: str) -> str:
    res = requests.get(f"https://stock.example.com/{item}", timeout=5).text
    deps["ctx"].step(lambda _: item, name="reserve")
    return res

@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    return reserve({"ctx": context}, event["id"])
"""
    (d,) = analyze_source(HEAD + code, "python").diagnostics
    assert (d.line, d.rule) == (12, "DUR005")
    assert "do not wrap `reserve()` itself in a step" in d.fix and "context.step(" not in d.fix


def test_dur033_fix_adds_the_timeout_to_a_config_that_is_already_there() -> None:
    """Applied literally, "pass config=..." would repeat the keyword or drop the serdes the config sets."""
    code = """
@durable_execution
def h(event, context: DurableContext):
    cb = context.create_callback("approval", config=CallbackConfig(serdes=MySerDes()))
    bare = context.create_callback("bare")
    context.wait(Duration.from_seconds(1), name="later")
    return [cb.result(), bare.result()]
"""
    fixes = {d.line: d.fix for d in analyze_source(HEAD + code, "python").diagnostics if d.rule == "DUR033"}
    assert fixes[6] == "add timeout=Duration.from_hours(1) to the existing CallbackConfig(...)"
    # (HEAD imports WaitForCallbackConfig and Duration, not CallbackConfig: the fix names its import)
    assert fixes[7] == ("pass config=CallbackConfig(timeout=Duration.from_hours(1)) "
                        "(from aws_durable_execution_sdk_python.config import CallbackConfig)")


def test_dur035_fix_for_a_submitter_invoke_does_not_offer_context_invoke() -> None:
    """The target reports back with the callback id only the submitter has: context.invoke from
    orchestration code cannot send it (and would wait for a result the target never returns)."""
    code = """
import boto3, json

def submit(callback_id, ctx):
    boto3.client("lambda").invoke(FunctionName="checker:live", InvocationType="Event",
                                  Payload=json.dumps({"callback_id": callback_id}))

@durable_execution
def h(event, context: DurableContext):
    return context.wait_for_callback(submit, name="check", config=WaitForCallbackConfig(timeout=Duration.from_hours(1)))
"""
    (d,) = [d for d in analyze_source(HEAD + code, "python").diagnostics if d.rule == "DUR035"]
    assert "context.invoke" not in d.fix and "RetryPresets.none()" in d.fix and "callback id" in d.fix


def test_dur012_fix_for_an_attempt_counter_names_the_step_contexts_attempt() -> None:
    code = '''
attempts = 0
total = 0


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    def flaky(step_context):
        global attempts
        attempts += 1
        return attempts

    def add(step_context):
        global total
        total += 5
        return total

    context.step(flaky, name="flaky")
    context.step(add, name="add")
    return {"attempts": attempts, "total": total}
'''
    found = {d.line: d.fix for d in analyze_source(HEAD + code, "python").diagnostics if d.rule == "DUR012"}
    assert "the step context's `attempt`" in found[12]
    assert "attempt" not in found[17] and "return the value from the step" in found[17]


def test_dur003_fix_for_an_object_read_warns_of_the_checkpoint_limit() -> None:
    code = '''import boto3
s3 = boto3.client("s3")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    body = s3.get_object(Bucket="b", Key="k")
    names = s3.list_buckets()
    context.wait(Duration.from_seconds(5), name="pause")
    return context.step(lambda _: [body, names], name="use")
'''
    found = {d.line: d.fix for d in analyze_source(HEAD + code, "python").diagnostics if d.rule == "DUR003"}
    assert "256 KB" in found[9] and '["Body"].read().decode()' in found[9]
    assert "256 KB" not in found[10]


def test_dur033_fix_names_the_imports_it_needs() -> None:
    code = '''from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    return context.wait_for_callback(lambda callback_id, _ctx: print(callback_id), name="approval")
'''
    (d,) = [d for d in analyze_source(code, "python").diagnostics if d.rule == "DUR033"]
    assert d.fix.endswith("(from aws_durable_execution_sdk_python.config import WaitForCallbackConfig, Duration)")
    imported = "from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig\n" + code
    (d,) = [d for d in analyze_source(imported, "python").diagnostics if d.rule == "DUR033"]
    assert "import" not in d.fix


def test_dur001_fix_inside_a_loop_names_one_step_per_iteration() -> None:
    code = """from datetime import datetime, timezone
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> list:
    out = []
    for cid in event["ids"]:
        record = {"id": cid, "at": datetime.now(timezone.utc).isoformat()}
        context.step(lambda _: record["id"], name=f"store-{cid}")
        out.append(cid)
    stamp = datetime.now(timezone.utc).isoformat()
    context.step(lambda _: stamp, name="last")
    return out
"""
    fixes = {d.line: d.fix for d in analyze_source(code, "python").diagnostics if d.rule == "DUR001"}
    assert fixes[9].endswith('name=f"record-now-{cid}")')
    assert fixes[12].endswith('name="stamp")')


def test_value_fixes_without_a_variable_get_distinct_step_names() -> None:
    """Two clock reads in conditions, and one beside an operation already named "now": applied, the
    fixes must not add a DUR030 for a shared name."""
    code = """import time
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    context.step(lambda _: 1, name="now")
    if time.time() > event["a"]:
        context.step(lambda _: 2, name="a")
    if time.time() > event["b"]:
        context.step(lambda _: 3, name="b")
    return "done"
"""
    fixes = [d.fix for d in analyze_source(code, "python").diagnostics if d.rule == "DUR001"]
    assert [f.rsplit("name=", 1)[1] for f in fixes] == ['"now-2")', '"now-3")']


def test_value_fix_range_covers_what_the_fix_moves_and_loop_names_tell_records_apart() -> None:
    """An agent replaces the range with the variable the fix assigns: the range must hold the whole
    value (`.isoformat()` included). In a loop over records the step name must not embed the record."""
    code = """from datetime import datetime, timezone
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> list:
    created = {"at": datetime.now(timezone.utc).isoformat()}
    for record in event["records"]:
        seen = datetime.now(timezone.utc).timestamp()
        context.step(lambda _: (record["orderId"], seen), name="x")
    for rec in event["records"]:
        stamp = datetime.now(timezone.utc).isoformat()
        context.step(lambda _: stamp, name=f"save-{rec['sku']}")
    return [created]
"""
    found = [d for d in analyze_source(code, "python").diagnostics if d.rule == "DUR001"]
    lines = code.splitlines()
    assert [lines[d.line - 1][d.column - 1:d.end_column - 1] for d in found] == [
        "datetime.now(timezone.utc).isoformat()", "datetime.now(timezone.utc).timestamp()",
        "datetime.now(timezone.utc).isoformat()"]
    assert found[1].fix.endswith("name=f\"seen-{record['orderId']}\")")
    assert found[2].fix.endswith("name=f\"stamp-{rec['sku']}\")")


def test_step_names_in_helper_and_unnamed_fixes_are_concrete_and_distinct() -> None:
    """A placeholder (`name="..."`) taken literally, or one example name for every unnamed operation,
    gives DUR030 once applied: the fixes name steps after the helper or the variable, each its own."""
    code = """import time
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def log_progress(stage):
    print(stage, time.time())


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    log_progress("start")
    order = context.step(lambda _: 1)
    context.wait(Duration.from_seconds(5))
    context.wait(Duration.from_seconds(6))
    context.step(lambda _: 2, name="log-progress")
    log_progress("end")
    return order
"""
    fixes = [(d.rule, d.fix.rsplit("name=", 1)[1]) for d in analyze_source(code, "python").diagnostics
             if d.rule in ("DUR005", "DUR030")]
    assert fixes == [("DUR005", '"log-progress-2")'), ("DUR030", '"order"'), ("DUR030", '"cool-down"'),
                     ("DUR030", '"cool-down-2"')]


def test_dur020_fix_for_print_gives_the_logger_one_message() -> None:
    """`context.logger.info(a, b)` treats b as a %-style value: the line fails to format and is lost."""
    code = HEAD + """
@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    token = context.step(lambda _: "abc", name="make-token")
    print("token:", token, event["id"])
    print(token)
    context.wait(Duration.from_seconds(1), name="pause")
    return token
"""
    fixes = [d.fix for d in analyze_source(code, "python").diagnostics if d.rule == "DUR020"]
    assert [f.split(", which")[0] for f in fixes] == [
        'use context.logger.info(f"token: {token} {event[\'id\']}")', "use context.logger.info(token)"]


def test_dur004_in_a_helper_handed_the_context_reads_the_variable_once_in_the_handler() -> None:
    code = """import os
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def pause(ctx: DurableContext, name: str) -> None:
    if os.environ.get("PAUSE") == "1":
        ctx.wait(Duration.from_seconds(5), name=name)


@durable_execution
def handler(event: dict, context: DurableContext) -> int:
    context.step(lambda _: 1, name="a")
    pause(context, "after-a")
    if os.environ.get("MODE") == "x":
        context.step(lambda _: 2, name="b")
    pause(context, "after-b")
    return 1
"""
    fixes = {d.line: d.fix for d in analyze_source(code, "python").diagnostics if d.rule == "DUR004"}
    assert "in a step once, in the handler before it calls pause(), and pass the result in" in fixes[7]
    assert "read only this variable in a step and branch on the result" in fixes[15]


def test_dur004_for_a_loop_count_from_the_environment() -> None:
    """`for i in range(MAX)`: the environment decides how many operations run, as in a condition."""
    code = """import os
from aws_durable_execution_sdk_python import DurableContext, durable_execution

MAX_ITERATIONS = int(os.environ.get("MAX_ITERATIONS", "3"))


@durable_execution
def handler(event: dict, context: DurableContext) -> int:
    total = 0
    for i in range(MAX_ITERATIONS):
        total += context.step(lambda _: 1, name=f"work-{i}")
    return total
"""
    assert [(d.line, d.rule) for d in analyze_source(code, "python").diagnostics] == [(10, "DUR004")]


def test_helper_that_also_writes_module_state_fixes_do_not_move_the_write_into_a_step() -> None:
    """Moved into a step, the helper's module write is lost on replay (DUR012): both fixes say to return it."""
    code = """import time
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

_timeline: list = []


def _record(msg: str) -> None:
    _timeline.append((time.time(), msg))


@durable_execution
def handler(event: dict, context: DurableContext) -> int:
    _record("start")
    context.wait(Duration.from_seconds(1), name="pause")
    _record("end")
    return len(_timeline)
"""
    fixes = {d.rule: d.fix for d in analyze_source(code, "python").diagnostics}
    assert fixes["DUR005"].startswith("have `_record()` return its value instead of writing module-level "
                                      "`_timeline`, then call it inside a step: context.step(")
    assert fixes["DUR013"] == ("have `_record()` return the new value instead of writing `_timeline`, and keep it in "
                               "a local variable of the handler")


def test_wait_and_config_fixes_take_names_the_function_does_not_use_yet() -> None:
    """DUR009's "pause" and DUR004's "read-config" avoid names of operations later in the function too."""
    code = HEAD + """import os
import time


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    time.sleep(1)
    if os.environ.get("EXPRESS"):
        context.step(lambda _: 1, name="express")
    if os.environ.get("GIFT"):
        context.step(lambda _: 2, name="gift")
    context.wait(Duration.from_seconds(2), name="pause")
    return "ok"
"""
    fixes = [d.fix.split("name=")[1].split(")")[0] for d in analyze_source(code, "python").diagnostics
             if d.rule in ("DUR009", "DUR004")]
    assert fixes == ['"pause-2"', '"read-config"', '"read-config-2"']


def test_dur012_in_a_map_item_function_derives_the_value_from_the_batch() -> None:
    code = HEAD + """

@durable_execution
def handler(event: dict, context: DurableContext):
    processed = 0

    def work(ctx, item, index, items):
        nonlocal processed
        processed += 1
        return ctx.step(lambda _: item * 2, name=f"double-{index}")

    batch = context.map(event["items"], work, name="work")
    return {"processed": processed, "results": batch.get_results()}
"""
    (d,) = [d for d in analyze_source(code, "python").diagnostics if d.rule == "DUR012"]
    assert "batch.success_count (a count)" in d.fix


def test_wait_for_condition_state_the_serializer_rejects_and_an_attribute_target() -> None:
    code = """import time
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


class Flow:
    def __init__(self, context: DurableContext) -> None:
        self.ctx = context
        self.started = time.time()


@durable_execution
def handler(event: dict, context: DurableContext):
    flow = Flow(context)
    seen = context.wait_for_condition(
        lambda state, _ctx: state | {"x"},
        config=WaitForConditionConfig(
            wait_strategy=lambda s, attempt: WaitForConditionDecision.stop_polling(), initial_state=set()),
        name="seen",
    )
    context.wait(Duration.from_seconds(1), name="pause")
    return [sorted(seen), flow.started > 0]
"""
    fixes = {(d.line, d.rule): d.fix for d in analyze_source(code, "python").diagnostics}
    assert fixes[(10, "DUR001")].endswith('self.started = context.step(lambda _: time.time(), name="started")')
    assert fixes[(19, "DUR034")].startswith("start from a value it can checkpoint: sorted(...) or list(...)")


def test_dur035_fix_in_a_durable_step_function_points_at_where_the_step_runs() -> None:
    """The step's config is given where it runs (`context.step(notify(...), config=...)`), not in the
    @durable_step function the write is in."""
    code = '''import boto3
from aws_durable_execution_sdk_python import StepContext, durable_step

ses = boto3.client("ses")


def send(to: str) -> None:
    ses.send_email(Source="a@b.c", Destination={"ToAddresses": [to]}, Message={})


@durable_step
def notify(step_context: StepContext, to: str) -> None:
    ses.send_email(Source="a@b.c", Destination={"ToAddresses": [to]}, Message={})
    send(to)


@durable_execution
def handler(event: dict, context: DurableContext) -> None:
    context.step(notify(event["to"]), name="notify")
    context.step(lambda _: send(event["to"]), name="inline")
'''
    found = {d.line: d.fix for d in analyze_source(HEAD + code, "python").diagnostics if d.rule == "DUR035"}
    where = "where the step runs: context.step(notify(...), config=...)"
    assert where in found[15] and where in found[16]  # direct, and through the helper
    assert "where the step runs" not in found[22] and "use config=StepConfig(" in found[22]  # an inline step


def test_dur034_fix_in_a_branch_whose_parameter_has_a_default_does_not_use_it_as_the_context() -> None:
    code = '''from aws_durable_execution_sdk_python import StepContext, durable_step


@durable_step
def encode(step_context: StepContext, item: int) -> int:
    return item * 2


@durable_execution
def handler(event: dict, context: DurableContext) -> list:
    built = [(lambda p=i: encode(p)) for i in event["items"]]
    plain = [(lambda c, i=i: encode(i)) for i in event["items"]]
    context.parallel(built, name="built")
    return context.parallel(plain, name="plain")
'''
    found = {d.line: d.fix for d in analyze_source(HEAD + code, "python").diagnostics if d.rule == "DUR034"}
    assert found[13] == "take the child context first (lambda ctx, ...: ...), then run it and return its result: " \
                        "ctx.step(encode(p))"
    assert found[14] == "run it and return its result: c.step(encode(i))"


def test_a_clock_read_only_for_a_log_line_is_a_warning_inline_and_through_a_helper() -> None:
    code = '''import time


def stamp() -> float:
    return time.time()


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    context.logger.info("start", extra={"at": time.time()})
    context.logger.info("start", extra={"at": stamp()})
    at = stamp()
    context.wait(Duration.from_seconds(5), name="pause")
    return context.step(lambda _: at, name="one")
'''
    found = {(d.line, d.rule): d for d in analyze_source(HEAD + code, "python").diagnostics}
    assert found[(12, "DUR001")].severity == "warning" and "context.logger line" in found[(12, "DUR001")].message
    assert found[(13, "DUR005")].severity == "warning" and "only feeds a log line" in found[(13, "DUR005")].message
    assert found[(14, "DUR005")].severity == "error"


def test_the_analyzed_codes_own_compile_warnings_stay_out_of_the_output() -> None:
    # `"\p"` makes Python warn while compiling (SyntaxWarning on stderr from 3.12 on): that is the
    # analyzed code's business; with warnings as errors it must not become a parse error either
    code = 'import time\nfrom aws_durable_execution_sdk_python import durable_execution\n\n\n' \
           '@durable_execution\ndef handler(event, context):\n    pattern = "\\p{L}+"\n' \
           '    started = time.time()\n    return context.step(lambda _: (pattern, started), name="r")\n'
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = analyze_source(code, "python")
    assert result.parse_errors == []
    assert [(d.line, d.rule) for d in result.diagnostics] == [(8, "DUR001")]

"""The template frontend (DUR050-DUR055) over its fixtures: SAM, CloudFormation YAML/JSON, CDK TypeScript
and Python, Serverless Framework and Terraform.

Expectations live in the fixtures: ``# expect: DUR050`` (YAML, HCL, Python) or ``// expect: DUR052`` (TS) on the
line a diagnostic points to, ``<file>.expect`` sidecars (``LINE RULE``) for JSON. ``project-*``
folders hold a template plus code; their ``durations.json`` stands in for the code frontends'
wait facts (the lines match real waits in the code). A Terraform module is a folder, so every
Terraform fixture is a ``project-tf-*`` (or ``project-terraform``) folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import TOOLCHAIN

from lambda_durable_mcp.analyzer.frontend import DurationFact, ModuleSummary, ProjectView
from lambda_durable_mcp.analyzer.model import RULES
from lambda_durable_mcp.analyzer.templates import FRONTEND

FIXTURES = Path(__file__).parent / "fixtures" / "analyzer" / "templates"
EXPECT = re.compile(r"(?:#|//)\s*expect:\s*([A-Z0-9, ]+)")
TEMPLATE_FILES = sorted(
    p for p in FIXTURES.glob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json", ".ts", ".py")
)
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".ts", ".tf", ".py")
# Templates that are valid CloudFormation (their findings are durable-specific, not schema errors).
VALID_CFN = ["sam-valid.yaml", "cfn-valid.yaml", "cfn-valid.json", "cfn-iam.yaml", "sam-dur051.yaml",
             "sam-dur052.yaml", "sam-dur053.yaml", "project-sam-python/template.yaml",
             "project-esbuild-json/template.json", "project-within-timeout/template.yaml",
             "project-cfn-node/template.yaml", "project-ts-dist/template.yaml", "sam-dur051-resource.yaml"]


def expectations(path: Path) -> set[tuple[int, str]]:
    sidecar = path.with_name(path.name + ".expect")
    if sidecar.exists():
        out = set()
        for raw in sidecar.read_text().splitlines():
            if raw.strip():
                line, rule = raw.split()
                out.add((int(line), rule))
        return out
    out = set()
    for i, text in enumerate(path.read_text().splitlines(), start=1):
        if m := EXPECT.search(text):
            out |= {(i, r.strip()) for r in m.group(1).split(",") if r.strip()}
    return out


def run(path: Path, root: Path, summaries: dict[str, ModuleSummary] | None = None) -> list:
    rel = path.relative_to(root).as_posix()
    source = path.read_bytes()
    assert FRONTEND.accepts(rel, source), f"{rel} not accepted"
    summary = FRONTEND.summarize(rel, source)
    assert summary.parse_error is None, summary.parse_error
    view = ProjectView(root=str(root), summaries={rel: summary, **(summaries or {})})
    diags = FRONTEND._check(rel, source, view)  # the public check() would hide a bug as "no findings"
    assert diags == FRONTEND.check(rel, source, view)
    return diags


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_fixture_expectations(path: Path) -> None:
    diags = run(path, FIXTURES)
    got = {(d.line, d.rule) for d in diags}
    assert got == expectations(path), "\n".join(f"{d.line}: {d.rule} {d.message}" for d in diags)
    assert len(got) == len(diags), "one diagnostic per problem"
    for d in diags:
        assert d.rule in {"DUR050", "DUR051", "DUR052", "DUR053", "DUR054", "DUR055"}
        assert d.path == path.name and d.column >= 1 and d.end_line >= d.line
        assert RULES[d.rule].guide in d.message and d.fix


TF_FILES = sorted(FIXTURES.glob("project-t*/**/*.tf"))


def test_every_rule_has_a_positive_fixture_per_syntax() -> None:
    seen: dict[str, set[str]] = {}
    for path in TEMPLATE_FILES:
        kind = "cdk" if path.suffix == ".ts" else "cdk-python" if path.suffix == ".py" else (
            "json" if path.suffix == ".json" else "sam" if path.name.startswith("sam") else "cfn")
        for _, rule in expectations(path):
            seen.setdefault(kind, set()).add(rule)
    for path in TF_FILES:
        seen.setdefault("terraform", set()).update(rule for _, rule in expectations(path))
    for kind in ("sam", "cfn", "json", "cdk", "cdk-python"):
        assert {"DUR050", "DUR051", "DUR052", "DUR053", "DUR054"} <= seen[kind], kind
    # function_name is required in Terraform: DUR053 does not apply there
    assert seen["terraform"] == {"DUR050", "DUR051", "DUR052", "DUR054", "DUR055"}


def test_severities() -> None:
    by_rule = {}
    for d in run(FIXTURES / "sam-dur054.yaml", FIXTURES):
        by_rule.setdefault(d.severity, []).append(d.line)
    text = (FIXTURES / "sam-dur054.yaml").read_text().splitlines()
    # Python 3.12 without a bundled SDK is a warning, older runtimes are errors.
    assert [text[i - 1].strip() for i in by_rule["warning"]] == ["Runtime: python3.12  # expect: DUR054"]
    assert len(by_rule["error"]) == 4
    diags = run(FIXTURES / "cfn-invalid.yaml", FIXTURES)
    assert {d.rule: d.severity for d in diags} == {
        "DUR050": "error", "DUR051": "error", "DUR052": "warning", "DUR053": "warning", "DUR054": "error"}


def test_messages_name_the_problem() -> None:
    diags = {d.rule: d for d in run(FIXTURES / "cfn-invalid.yaml", FIXTURES)}
    assert "RetentionPeriodInDays 0" in diags["DUR050"].message
    assert "LogsOnlyRole" in diags["DUR051"].message and "AWSLambdaBasicDurableExecutionRolePolicy" in diags["DUR051"].fix
    assert "nodejs18.x" in diags["DUR054"].message
    cdk = {(d.rule, d.line): d for d in run(FIXTURES / "cdk-invalid.ts", FIXTURES)}
    assert any("400 days" in d.message for (r, _), d in cdk.items() if r == "DUR050")
    assert any("1.5 days" in d.message for (r, _), d in cdk.items() if r == "DUR050")


def test_dur052_fix_points_at_globals_when_several_functions_lack_a_version(tmp_path: Path) -> None:
    fn = ("  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n"
          "      Runtime: nodejs22.x\n      CodeUri: src/\n      DurableConfig:\n        ExecutionTimeout: 900\n")
    head = "Transform: AWS::Serverless-2016-10-31\nResources:\n"
    two = tmp_path / "two.yaml"
    two.write_text(head + fn.format(name="A") + fn.format(name="B"))
    fixes = [d.fix for d in run(two, tmp_path) if d.rule == "DUR052"]
    assert len(fixes) == 2 and all("Globals" in f and "all 2 durable functions" in f for f in fixes)
    one = tmp_path / "one.yaml"
    one.write_text(head + fn.format(name="A"))
    (single,) = [d.fix for d in run(one, tmp_path) if d.rule == "DUR052"]
    assert "Globals" not in single and "AutoPublishAlias: live" in single
    fixed = tmp_path / "globals.yaml"
    fixed.write_text("Globals:\n  Function:\n    AutoPublishAlias: live\n" + head + fn.format(name="A")
                     + fn.format(name="B"))
    assert [d for d in run(fixed, tmp_path) if d.rule == "DUR052"] == []


# --- DUR055: code waits against the ExecutionTimeout --------------------------------------------------

PROJECTS = sorted(p for p in FIXTURES.glob("project-*") if p.is_dir())


def fake_code_summaries(project: Path) -> dict[str, ModuleSummary]:
    facts = json.loads((project / "durations.json").read_text())
    return {
        path: ModuleSummary(path=path, durations=[DurationFact(line, seconds, kind) for line, seconds, kind in items])
        for path, items in facts.items()
    }


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_project_expectations(project: Path) -> None:
    summaries = fake_code_summaries(project)
    for code_path, summary in summaries.items():  # the facts point at real waits in the code
        lines = (project / code_path).read_text().splitlines()
        for fact in summary.durations:
            assert "wait" in lines[fact.line - 1].lower() or "timeout" in lines[fact.line - 1].lower()
    files = [p for p in sorted(project.rglob("*")) if p.is_file() and p.suffix in TEMPLATE_SUFFIXES]
    templates = [p for p in files if FRONTEND.accepts(p.relative_to(project).as_posix(), p.read_bytes())]
    assert templates
    # A finding belongs to the file holding its line (a Terraform role in iam.tf, checked with main.tf).
    expected = {(p.relative_to(project).as_posix(), line, rule) for p in files for line, rule in expectations(p)}
    got: set[tuple[str, int, str]] = set()
    for path in templates:
        diags = run(path, project, summaries)
        got |= {(d.path, d.line, d.rule) for d in diags}
        for d in diags:
            if d.rule == "DUR055":
                assert any(code_file in d.message for code_file in summaries)
        # The same answer when the engine's root is the folder above and paths carry the project name.
        prefixed = {f"{project.name}/{k}": ModuleSummary(path=f"{project.name}/{k}", durations=v.durations)
                    for k, v in summaries.items()}
        again = run(path, project.parent, prefixed)
        assert {(d.path, d.line, d.rule) for d in again} == {(f"{project.name}/{p}", line, rule)
                                                            for p, line, rule in {(d.path, d.line, d.rule)
                                                                                  for d in diags}}
    assert got == expected, "\n".join(sorted(f"{p}:{line}: {rule}" for p, line, rule in got ^ expected))


# --- what is not a template, and what must never crash ------------------------------------------------

@pytest.mark.parametrize("path", sorted((FIXTURES / "not-templates").iterdir()), ids=lambda p: p.name)
def test_not_templates_are_not_accepted(path: Path) -> None:
    assert not FRONTEND.accepts(path.name, path.read_bytes())


@pytest.mark.parametrize("path", sorted((FIXTURES / "broken").iterdir()), ids=lambda p: p.name)
def test_broken_files_never_crash(path: Path) -> None:
    source = path.read_bytes()
    assert FRONTEND.accepts(path.name, source)
    summary = FRONTEND.summarize(path.name, source)
    diags = FRONTEND._check(path.name, source, ProjectView(root=str(path.parent)))
    if path.suffix in (".yaml", ".json", ".tf") and path.name != "tags.yaml":
        assert summary.parse_error and re.match(r"\d+: \S", summary.parse_error)
        assert diags == []
    assert all(d.rule.startswith("DUR05") for d in diags)


@pytest.mark.parametrize("source", [
    b"", b"\xff\xfe\x00garbage", b"AWSTemplateFormatVersion: x\nResources: 5\n",
    b"Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties: 7\n",
    b"Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      DurableConfig: [1]\n",
    b"Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      DurableConfig:\n"
    b"        ExecutionTimeout: [a]\n      Role: !GetAtt\n      Runtime: !Ref\n",
    b'{"Resources": {"A": {"Type": "AWS::Lambda::Function", "Properties": {"DurableConfig": '
    + b"[" * 5000 + b"]" * 5000 + b"}}}}",
    b"Resources:\n" + b"  - [" * 3000,
    b"Resources:\n  A: &a\n    Type: AWS::Lambda::Function\n    Properties: {DurableConfig: *a}\n",
    b"Resources:\n  a: &a [x, x, x, x, x, x, x, x, x]\n"
    + b"".join(b"  %c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n" % ((c, c) + (c - 1,) * 9)
               for c in range(ord("b"), ord("n"))) + b"  T:\n    Type: AWS::Lambda::Function\n",
    b'resource "aws_lambda_function" "f" {\n  durable_config {\n    execution_timeout = ' + b"[" * 5000 + b"\n",
    b'resource "aws_lambda_function" "f" {\n  x = ' + b"(" * 3000 + b"1" + b")" * 3000 + b"\n}\n",
    b'resource "aws_lambda_function" "f" {\n  durable_config {\n    execution_timeout = 1 / 0\n'
    b'    retention_period = 1e999999\n  }\n  runtime = "${' + b"a." * 4000 + b'b}"\n}\n',
    b'resource aws_lambda_function f {\n' + b"  b {\n" * 2000 + b"  }\n" * 2000 + b"}\n",
    b'resource "aws_lambda_function" "f" {\n  role = aws_iam_role.r.arn\n}\nresource "aws_iam_role" "r" {\n'
    b'  inline_policy {\n    policy = jsonencode(' + b"{a = " * 2000 + b"1" + b"}" * 2000 + b")\n  }\n}\n",
    b'resource "aws_lambda_function" "f" \xff\xfe {\x00}',
    # numbers with no number of seconds: infinity (YAML .inf, an HCL overflow) and NaN
    b"Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      DurableConfig:\n"
    b"        ExecutionTimeout: .inf\n        RetentionPeriodInDays: .nan\n",
    b'resource "aws_lambda_function" "f" {\n  durable_config {\n    execution_timeout = 1.0e400\n'
    b'    retention_period = 1.0e300 * 1.0e300 - 1.0e300 * 1.0e300\n  }\n}\n',
])
@pytest.mark.parametrize("name", ["t.yaml", "t.json", "t.tf"])
def test_hostile_input_never_crashes(source: bytes, name: str) -> None:
    if FRONTEND.accepts(name, source):
        FRONTEND.summarize(name, source)
        FRONTEND._check(name, source, ProjectView(root="."))


def test_cdk_garbage_never_crashes() -> None:
    src = b"import 'aws-cdk-lib';\nnew lambda.Function(this, 'F', { durableConfig: { executionTimeout: Duration.days(((("
    assert FRONTEND.accepts("x.ts", src)
    FRONTEND._check("x.ts", src, ProjectView(root="."))


def test_valid_fixtures_pass_cfn_lint() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    paths = [str(FIXTURES / n) for n in VALID_CFN]
    # W3002: a local Code folder needs `aws cloudformation package`, which is how those projects deploy.
    proc = subprocess.run([str(cfn_lint), "--format", "parseable", "--ignore-checks", "W3002", "--", *paths],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


SYNTH_JS = """
const cdk = require('aws-cdk-lib');
const out = {};
for (const [file, cls] of [['./cdk-valid.js', 'ValidStack'], ['./cdk-invalid.js', 'InvalidStack'],
                           ['./cdk-dur051-roles.js', 'RolesStack']]) {
  const app = new cdk.App({ outdir: process.argv[2] + '/' + cls });
  try {
    new (require(file)[cls])(app, cls);
    out[cls] = app.synth().getStackByName(cls).template;
  } catch (e) {
    out[cls] = { error: String(e.message || e) };
  }
}
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.slow
def test_cdk_fixtures_compile_and_synth(tmp_path: Path) -> None:
    """The CDK fixtures are real CDK code: tsc compiles them against the pinned aws-cdk-lib, CDK synthesizes
    the valid stack into a template the CloudFormation checks also find clean, and refuses the invalid one
    for the same out-of-range executionTimeout that DUR050 reports."""
    modules = TOOLCHAIN / "node_modules"
    tsc = modules / ".bin" / "tsc"
    if not tsc.exists():
        pytest.skip("toolchain not installed: run make toolchain")
    files = [FIXTURES / "cdk-valid.ts", FIXTURES / "cdk-invalid.ts", FIXTURES / "project-cdk-ts/lambda/index.ts",
             FIXTURES / "cdk-dur051-roles.ts", FIXTURES / "cdk-spread.ts", FIXTURES / "cdk-construct.ts",
             FIXTURES / "cdk-dur052-comment.ts"]
    config = {
        "compilerOptions": {
            "target": "ES2022", "module": "commonjs", "strict": True, "skipLibCheck": True,
            "outDir": str(tmp_path / "out"), "rootDir": str(FIXTURES),
            "types": ["node"], "typeRoots": [str(modules / "@types")], "baseUrl": str(modules),
            "paths": {"*": [str(modules / "*")]},
        },
        "files": [str(f) for f in files],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    proc = subprocess.run([str(tsc), "-p", str(tmp_path / "tsconfig.json")], capture_output=True, text=True,
                          timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tmp_path / "out" / "synth.js").write_text(SYNTH_JS)
    env = {**os.environ, "NODE_PATH": str(modules), "CDK_DISABLE_VERSION_CHECK": "1"}
    proc = subprocess.run(["node", "synth.js", str(tmp_path / "cdk.out")], cwd=tmp_path / "out", env=env,
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert "executionTimeout must be between 1 and 31622400 seconds" in result["InvalidStack"]["error"]
    synthesized = tmp_path / "valid.template.json"
    synthesized.write_text(json.dumps(result["ValidStack"], indent=1))
    durable = [r for r in result["ValidStack"]["Resources"].values()
               if r["Type"] == "AWS::Lambda::Function" and "DurableConfig" in r["Properties"]]
    assert len(durable) == 5
    assert run(synthesized, tmp_path) == [] == run(FIXTURES / "cdk-valid.ts", FIXTURES)
    # DUR051's CDK fix (fromAwsManagedPolicyName) synthesizes a valid ARN; the plain "${AWS::Partition}" string
    # it replaces does not, and the template checks report that role in the synthesized template too.
    roles = tmp_path / "roles.template.json"
    roles.write_text(json.dumps(result["RolesStack"], indent=1))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    proc = subprocess.run([str(cfn_lint), "--format", "parseable", "--", str(roles)], capture_output=True, text=True,
                          timeout=120, check=False)
    errors = [line for line in proc.stdout.splitlines() if re.search(r":E\d{4}:", line)]
    assert [re.search(r":(E\d{4}):", e)[1] for e in errors] == ["E1029", "E3031"], proc.stdout
    assert "PlainArn" in errors[0] and all(e.split(":")[1] == errors[0].split(":")[1] for e in errors)
    synth = {re.sub(r"[0-9A-F]{8}$", "", d.message.split()[1]): d.message for d in run(roles, tmp_path)
             if d.rule == "DUR051"}
    assert sorted(synth) == ["Denied", "DenyOnly", "PlainArn"]
    assert "only inside Fn::Sub" in synth["PlainArn"] and "Deny statement" in synth["Denied"]


@pytest.mark.parametrize(("runtime", "bundled", "expected"), [
    ("nodejs22.x", None, None), ("nodejs24.x", None, None), ("nodejs20.x", None, "error"), ("nodejs", None, "error"),
    ("python3.13", None, None), ("python3.14", None, None), ("python3.12", False, "warning"),
    ("python3.11", True, None), ("python3.10", True, "error"), ("python2.7", None, "error"),
    ("java21", None, None), ("java8.al2", None, "error"), ("dotnet8", None, None), ("dotnet6", None, "error"),
    ("dotnetcore3.1", None, "error"), ("go1.x", None, "error"), ("ruby3.4", None, "error"),
    ("provided.al2023", None, None), ("custom", None, None),
])
def test_runtime_table(runtime: str, bundled: bool | None, expected: str | None) -> None:
    from lambda_durable_mcp.analyzer.templates.rules import runtime_problem

    problem = runtime_problem(runtime, bundled)
    assert (problem[0] if problem else None) == expected


def test_yaml_short_forms_become_long_forms_with_lines() -> None:
    from lambda_durable_mcp.analyzer.templates.loader import load_json, load_yaml

    doc = load_yaml("A:\n  B: !GetAtt Role.Arn\n  C: !Sub 'x-${AWS::Region}'\n  D: !Ref P\n  E: 2012-10-17\n"
                    "  F: !If [Cond, !Ref X, !Ref AWS::NoValue]\n  G: !Equals [a, b]\n")
    a = doc["A"]
    assert a["B"] == {"Fn::GetAtt": ["Role", "Arn"]} and a["C"] == {"Fn::Sub": "x-${AWS::Region}"}
    assert a["D"] == {"Ref": "P"} and a["E"] == "2012-10-17" and a["G"] == {"Fn::Equals": ["a", "b"]}
    assert a["F"] == {"Fn::If": ["Cond", {"Ref": "X"}, {"Ref": "AWS::NoValue"}]}
    assert a.pos("D") == (4, 3) and doc.pos("A") == (1, 1)
    j = load_json('{\r\n  "A": {\r\n    "B": [1, {"C": true}]\r\n  }\r\n}')
    assert j.pos("A") == (2, 3) and j["A"].pos("B") == (3, 5) and j["A"]["B"][1].pos("C") == (3, 15)


def test_cdk_runtime_table_matches_aws_cdk_lib() -> None:
    from lambda_durable_mcp.analyzer.templates.cdk import CDK_RUNTIMES

    runtime_js = TOOLCHAIN / "node_modules/aws-cdk-lib/aws-lambda/lib/runtime.js"
    if not runtime_js.exists():
        pytest.skip("toolchain not installed: run make toolchain")
    defined = dict(re.findall(r'([A-Z0-9_]+)=new Runtime\("([^"]*)"', runtime_js.read_text()))
    for name, runtime in CDK_RUNTIMES.items():
        assert defined.get(name) == runtime, name
    assert set(defined) - set(CDK_RUNTIMES) <= {"NODEJS_LATEST", "FROM_IMAGE"}


def test_random_template_mutations_never_crash() -> None:
    """Every fixture, cut at random points and with random bytes inserted, still yields a result."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    sources = [p.read_bytes() for p in TEMPLATE_FILES]

    @settings(max_examples=150, deadline=None, database=None)
    @given(st.sampled_from(range(len(sources))), st.integers(0, 10_000), st.integers(0, 10_000),
           st.binary(max_size=8))
    def mutate(index: int, cut: int, at: int, junk: bytes) -> None:
        path = TEMPLATE_FILES[index]
        src = sources[index]
        src = src[: cut % (len(src) + 1)]
        pos = at % (len(src) + 1)
        src = src[:pos] + junk + src[pos:]
        if FRONTEND.accepts(path.name, src):
            summary = FRONTEND.summarize(path.name, src)
            diags = FRONTEND._check(path.name, src, ProjectView(root=str(FIXTURES)))
            assert summary.parse_error is None or diags == []

    mutate()


def test_importing_the_frontend_is_cheap() -> None:
    code = ("import sys\nfrom lambda_durable_mcp.analyzer.templates import FRONTEND\n"
            "FRONTEND.accepts('template.yaml', b'Resources:\\n  A:\\n    Type: AWS::Lambda::Function\\n')\n"
            "assert FRONTEND.accepts('main.tf', b'resource \"aws_lambda_function\" \"f\" {}\\n')\n"
            "print(sorted(m for m in ('yaml', 'tree_sitter', 'cfnlint', 'boto3') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.strip() == "[]"


def test_cdk_messages_name_a_computed_id_by_its_variable_and_explain_latest_version(tmp_path: Path) -> None:
    src = (b'import * as cdk from "aws-cdk-lib";\nimport * as lambda from "aws-cdk-lib/aws-lambda";\n'
           b"export class S extends cdk.Stack {\n  constructor(scope: any, id: string) {\n    super(scope, id);\n"
           b"    const funcId = `${id}-durable`;\n"
           b"    const orderFn = new lambda.Function(this, funcId, {\n      functionName: funcId,\n"
           b"      runtime: lambda.Runtime.NODEJS_22_X,\n      handler: 'index.handler',\n"
           b"      code: lambda.Code.fromAsset('src'),\n"
           b"      durableConfig: { executionTimeout: cdk.Duration.hours(1) },\n    });\n"
           b"    new lambda.Alias(this, 'Live', { aliasName: 'live', version: orderFn.latestVersion });\n  }\n}\n")
    diags = {d.rule: d for d in FRONTEND._check("stack.ts", src, ProjectView(root=str(tmp_path)))}
    assert "durable function orderFn (id funcId)" in diags["DUR053"].message
    assert "has only latestVersion, which is $LATEST" in diags["DUR052"].message
    assert "orderFn.currentVersion" in diags["DUR052"].fix


# --- DUR051: fix texts per syntax, Deny statements, SAM Policies beside Role ---------------------------

PLAIN_ARN = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"


def cfn_lint_errors(path: Path) -> list[str]:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    proc = subprocess.run([str(cfn_lint), "--format", "parseable", "--ignore-checks", "W", "--", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)
    return proc.stdout.splitlines()


def test_dur051_fix_for_a_plain_partition_arn_applies_literally_in_yaml_and_json(tmp_path: Path) -> None:
    yaml_path = FIXTURES / "sam-dur051-roles.yaml"
    (d,) = [d for d in run(yaml_path, FIXTURES) if "PlainArnRole" in d.message]
    assert "only inside Fn::Sub" in d.message and "not attached" in d.message
    assert d.fix == f"Write the ARN as !Sub {PLAIN_ARN}"
    fixed = tmp_path / "template.yaml"
    fixed.write_text(yaml_path.read_text().replace(f"- {PLAIN_ARN}", "- " + d.fix.removeprefix("Write the ARN as ")))
    assert any("E1029" in e for e in cfn_lint_errors(yaml_path))
    assert cfn_lint_errors(fixed) == []
    assert not [d for d in run(fixed, tmp_path) if "PlainArnRole" in d.message]

    json_path = FIXTURES / "cfn-dur051-sub.json"
    (d,) = run(json_path, FIXTURES)
    assert d.rule == "DUR051" and "PlainRole" in d.message
    assert d.fix == 'Write the ARN as {"Fn::Sub": "' + PLAIN_ARN + '"}'
    doc = json.loads(json_path.read_text())
    doc["Resources"]["PlainRole"]["Properties"]["ManagedPolicyArns"] = [json.loads(d.fix.removeprefix("Write the ARN as "))]
    fixed = tmp_path / "template.json"
    fixed.write_text(json.dumps(doc, indent=2))
    assert cfn_lint_errors(fixed) == [] and run(fixed, tmp_path) == []


def test_dur051_missing_policy_fix_per_syntax_applies_literally(tmp_path: Path) -> None:
    yaml_path = FIXTURES / "sam-dur051-roles.yaml"
    (d,) = [d for d in run(yaml_path, FIXTURES) if "LogsRole" in d.message]
    assert d.fix.startswith(f"Add !Sub {PLAIN_ARN} to the role's ManagedPolicyArns")
    text = yaml_path.read_text()
    logs = "        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\n"
    fixed = tmp_path / "template.yaml"
    fixed.write_text(text.replace(logs, logs + "        - " + d.fix.removeprefix("Add ").split(" to the role")[0] + "\n"))
    assert not [d for d in run(fixed, tmp_path) if "LogsRole" in d.message]
    # cfn-lint still finds the fixture's plain ARN (a line further down), and nothing new
    assert [e.split(":", 3)[3] for e in cfn_lint_errors(fixed)] == [
        e.split(":", 3)[3] for e in cfn_lint_errors(yaml_path)]
    (json_d,) = [d for d in run(FIXTURES / "cfn-invalid.json", FIXTURES) if d.rule == "DUR051"]
    assert json_d.fix.startswith('Add {"Fn::Sub": "' + PLAIN_ARN + '"} to the role\'s ManagedPolicyArns')
    cdk = [d for d in run(FIXTURES / "cdk-invalid.ts", FIXTURES) if d.rule == "DUR051"]
    assert cdk and all(d.fix.startswith('Add iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/'
                                        'AWSLambdaBasicDurableExecutionRolePolicy")') for d in cdk)
    (cdk_plain,) = [d for d in run(FIXTURES / "cdk-dur051-roles.ts", FIXTURES) if "plainArn" in d.message]
    assert "fromAwsManagedPolicyName" in cdk_plain.fix and "${" not in cdk_plain.fix


def test_dur051_says_why_a_listed_policy_does_not_count() -> None:
    diags = {d.message.split()[1]: d for d in run(FIXTURES / "sam-dur051-roles.yaml", FIXTURES)}
    assert "SAM ignores the Policies listed on RoleAndPolicies when Role is set" in diags["LogsRole"].message
    assert "Deny statement for lambda:*Durable*" in diags["DenyRole"].message
    assert "Remove the Deny of lambda:*Durable*" in diags["DenyRole"].fix
    cdk = {d.message.split()[1]: d for d in run(FIXTURES / "cdk-dur051-roles.ts", FIXTURES)}
    assert "Deny statement for lambda:CheckpointDurableExecution" in cdk["denied"].message
    assert "lacks AWSLambdaBasicDurableExecutionRolePolicy" in cdk["denyOnly"].message


def test_dur055_on_a_shared_globals_timeout_names_the_longest_wait_so_one_fix_is_enough(tmp_path: Path) -> None:
    project = FIXTURES / "project-sam-globals-waits"
    summaries = fake_code_summaries(project)
    (d,) = run(project / "template.yaml", project, summaries)
    assert d.rule == "DUR055" and "The wait of 10 days at b/app.py:7 (and 1 more)" in d.message
    assert "ExecutionTimeout 1 day of B and A" in d.message
    assert d.fix.startswith("Raise ExecutionTimeout above 864,000 s (the longest of these 2 waits)")
    fixed = tmp_path / "template.yaml"
    fixed.write_text((project / "template.yaml").read_text().replace("ExecutionTimeout: 86400",
                                                                     "ExecutionTimeout: 864001"))
    for sub in ("a", "b", "c"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "app.py").write_text((project / sub / "app.py").read_text())
    assert run(fixed, tmp_path, summaries) == []


# --- message details ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("seconds", "shown"), [
    (40_000_000, "40,000,000 s (about 463 days)"), (3600.5, "3,600.5 s"), (259_201, "259,201 s (about 3 days)"),
    (34_560_000, "34,560,000 s (400 days)"), (5400, "5,400 s (90 minutes)"), (0, "0 s"), (-60, "-60 s"),
])
def test_seconds_are_shown_without_exponents_and_with_separators(seconds: float, shown: str) -> None:
    from lambda_durable_mcp.analyzer.templates.rules import _fmt_seconds, _shown_seconds

    assert _shown_seconds(seconds) == shown
    assert "e+" not in _fmt_seconds(seconds)
    assert _fmt_seconds(259_201) == "259,201 seconds" and _fmt_seconds(86400 * 1000) == "1,000 days"


def test_a_parameter_default_out_of_range_names_the_parameter_and_its_default_line() -> None:
    diags = [d for d in run(FIXTURES / "sam-dur050.yaml", FIXTURES) if "FromParameters" in d.message]
    (d,) = diags
    assert "40,000,000 s (about 463 days) of FromParameters (from the Default of parameter TimeoutSeconds, " \
           "line 6)" in d.message
    assert d.fix.startswith("Set the Default of parameter TimeoutSeconds (line 6) to whole seconds")
    lines = (FIXTURES / "sam-dur050.yaml").read_text().splitlines()
    assert lines[5].strip() == "Default: 40000000"


def test_missing_timeout_messages_use_the_file_spelling_and_hint_at_letter_case() -> None:
    (sam,) = [d for d in run(FIXTURES / "sam-dur050.yaml", FIXTURES) if "LowerCaseKey" in d.message]
    assert sam.message.startswith("DurableConfig of LowerCaseKey has no ExecutionTimeout: it is required "
                                  "(executionTimeout is not read: keys are case-sensitive)")
    assert sam.fix == "Rename executionTimeout to ExecutionTimeout."
    project = FIXTURES / "project-serverless"
    diags = {d.message.split()[2]: d for d in run(project / "serverless.yml", project) if "has no" in d.message}
    assert diags["missing"].message.startswith("durableConfig of missing has no executionTimeout: it is required (guide")
    assert diags["missing"].fix.startswith("Add executionTimeout")
    assert "(ExecutionTimeout is not read: keys are case-sensitive)" in diags["capitalised"].message
    assert diags["capitalised"].fix == "Rename ExecutionTimeout to executionTimeout."


def test_dur054_reads_no_code_folder_outside_the_root(tmp_path: Path) -> None:
    """A CodeUri leading out of the workspace must not make the analyzer probe files there (the answer
    would tell whether an outside requirements.txt names the SDK)."""
    from lambda_durable_mcp.analyzer import analyze_paths

    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    outside.mkdir()
    (outside / "requirements.txt").write_text("requests\n")
    template = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                "    Properties:\n      CodeUri: {uri}\n      Handler: app.handler\n      Runtime: python3.12\n"
                "      AutoPublishAlias: live\n      DurableConfig:\n        ExecutionTimeout: 900\n")
    (ws / "template.yaml").write_text(template.format(uri="../outside/"))
    assert [d.rule for d in analyze_paths([ws / "template.yaml"], root=ws).diagnostics] == []
    (ws / "inside").mkdir()
    (ws / "inside" / "requirements.txt").write_text("requests\n")
    (ws / "template.yaml").write_text(template.format(uri="inside/"))
    assert [d.rule for d in analyze_paths([ws / "template.yaml"], root=ws).diagnostics] == ["DUR054"]


# --- DUR053: what still uses a fixed name; DUR051: a Resource that cannot be the function ------------------

NAMED_BY_PARAMETER = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  FunctionName:
    Type: String
    Default: fn-fraud-detection
Resources:
  ExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: durable
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: [lambda:CheckpointDurableExecution, lambda:GetDurableExecutionState]
                Resource: !Sub 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}:*'
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub '${FunctionName}-verification'
  Detection:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Ref FunctionName
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
      AutoPublishAlias: live
      Role: !GetAtt ExecutionRole.Arn
      DurableConfig:
        ExecutionTimeout: 600
  Notifier:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: notify.handler
      Runtime: python3.13
      Environment:
        Variables:
          WORKFLOW: !Ref FunctionName
          TABLE: fn-fraud-detection-table
      Policies:
        - Statement:
            - Effect: Allow
              Action: lambda:SendDurableExecutionCallbackSuccess
              Resource: arn:aws:lambda:us-east-1:123456789012:function:fn-fraud-detection:*
"""


def test_dur053_fix_names_what_uses_the_name_and_removing_it_alone_is_then_dur051(tmp_path: Path) -> None:
    """Removing FunctionName (the fix, applied literally) leaves a checkpoint policy scoped to the old
    name: the fix names those lines, and DUR051 reports that policy once the name is gone."""
    template = tmp_path / "template.yaml"
    template.write_text(NAMED_BY_PARAMETER)
    (d,) = run(template, tmp_path)
    assert d.rule == "DUR053"
    # the IAM resource, the environment and the other function's policy; not the topic that reuses the parameter
    assert "line 24 (policy of ExecutionRole), line 48 (environment of Notifier), line 54 (policy of Notifier)" in d.fix
    assert "AWSLambdaBasicDurableExecutionRolePolicy" in d.fix and "replaces a deployed function" in d.fix
    template.write_text(NAMED_BY_PARAMETER.replace("      FunctionName: !Ref FunctionName\n", ""))
    (d,) = run(template, tmp_path)
    assert d.rule == "DUR051" and d.line == 8
    assert "lambda:CheckpointDurableExecution + lambda:GetDurableExecutionState only on" in d.message
    assert "(line 24), which cannot match its generated name (<stack>-Detection-<suffix>)" in d.message
    assert d.fix.startswith("Add !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/"
                            "AWSLambdaBasicDurableExecutionRolePolicy to the role's ManagedPolicyArns")
    # the fix of DUR051 applied: nothing left to report
    template.write_text(template.read_text().replace(
        "      Policies:\n        - PolicyName: durable",
        "      ManagedPolicyArns:\n        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/"
        "AWSLambdaBasicDurableExecutionRolePolicy\n      Policies:\n        - PolicyName: durable", 1))
    assert run(template, tmp_path) == []


def test_dur053_fix_without_references_still_says_it_replaces_the_function() -> None:
    (d,) = [d for d in run(FIXTURES / "sam-dur053.yaml", FIXTURES) if d.rule == "DUR053"]
    assert d.fix.startswith("Remove FunctionName and let the tool generate the name.")
    assert "do it before the first durable deploy, or accept the replacement" in d.fix


def test_dur051_resource_messages_name_the_resource_and_the_function_name() -> None:
    diags = {d.message.split()[1]: d for d in run(FIXTURES / "sam-dur051-resource.yaml", FIXTURES)
             if d.rule == "DUR051"}
    assert sorted(diags) == ["OtherNameRole", "ParamScopedRole", "SiblingArnRole"]
    assert "allows lambda:CheckpointDurableExecution only on [" in diags["OtherNameRole"].message
    assert "which cannot match its FunctionName orders-new" in diags["OtherNameRole"].message
    assert "'${OwnArn.Arn}:*' (line 158)" in diags["SiblingArnRole"].message


@pytest.mark.parametrize(("resource", "name", "state"), [
    ("'*'", "", "yes"),
    ("!Sub '${Fn.Arn}:*'", "", "yes"),
    ("!Sub '${Fn.Arn}*'", "", "yes"),
    ("!GetAtt Fn.Arn", "", "unknown"),           # the bare ARN: not judged
    ("arn:aws:lambda:us-east-1:1:function:x:*", "", "no"),
    ("arn:aws:lambda:us-east-1:1:function:x:*", "x", "yes"),
    ("arn:aws:lambda:us-east-1:1:function:x-*", "x-1", "yes"),
    ("arn:aws:lambda:us-east-1:1:function:x-*", "y-1", "no"),
    ("arn:aws:lambda:us-east-1:1:function:*", "", "yes"),
    ("arn:aws:lambda:us-east-1:1:function:app-*", "", "unknown"),   # may match some stack's generated name
    ("arn:aws:lambda:us-east-1:1:function:stack-Fn-ABC:*", "", "unknown"),  # a generated name written down
    ("!Sub 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-Fn*'", "", "unknown"),
    ("!Sub 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${NoDefault}'", "", "unknown"),
    ("!Sub 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Named}:*'", "named-x", "yes"),
    ("!Sub 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${WithDefault}:*'", "", "no"),
    ("!Sub '${Other.Arn}:*'", "", "no"),
    ("[arn:aws:lambda:us-east-1:1:function:x, '*']", "", "yes"),
    ("arn:aws:s3:::bucket/*", "", "unknown"),
    ("!ImportValue Something", "", "unknown"),
])
def test_dur051_resource_coverage(resource: str, name: str, state: str) -> None:
    from lambda_durable_mcp.analyzer.templates.cfn import _covers, _Template
    from lambda_durable_mcp.analyzer.templates.loader import load_yaml

    own = f"      FunctionName: {name}\n" if name else ""
    doc = load_yaml("Parameters:\n  NoDefault: {Type: String}\n  WithDefault: {Type: String, Default: orders}\n"
                    "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n" + own +
                    "  Other:\n    Type: AWS::Serverless::Function\n  Named:\n    Type: AWS::Lambda::Function\n"
                    "    Properties:\n      FunctionName: named-x\n"
                    f"  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      R: {resource}\n")
    t = _Template(doc, Path("."))
    assert _covers(t, doc["Resources"]["P"]["Properties"]["R"], "Fn") == state


CDK_NAMED = b"""import * as cdk from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as iam from "aws-cdk-lib/aws-iam";

const NAME = "orders-workflow";

export class S extends cdk.Stack {
  constructor(scope: cdk.App, id: string) {
    super(scope, id);
    const fn = new lambda.Function(this, NAME, {
      functionName: NAME,
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "index.handler",
      code: lambda.Code.fromAsset("src"),
      durableConfig: { executionTimeout: cdk.Duration.hours(1) },
    });
    new lambda.Alias(this, "Live", { aliasName: "live", version: fn.currentVersion });
    const other = new lambda.Function(this, "Other", {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "index.handler",
      code: lambda.Code.fromAsset("src"),
      environment: { TARGET: NAME, TABLE: "orders" },
    });
    other.addToRolePolicy(new iam.PolicyStatement({
      actions: ["lambda:SendDurableExecutionCallbackSuccess"],
      resources: [`arn:aws:lambda:${this.region}:${this.account}:function:${NAME}:*`,
                  "arn:aws:lambda:us-east-1:123456789012:function:orders-workflow"],
    }));
    other.addEnvironment("FN", fn.functionName);
  }
}
"""


def test_cdk_dur053_fix_names_the_lines_that_use_the_name(tmp_path: Path) -> None:
    (d,) = FRONTEND._check("stack.ts", CDK_NAMED, ProjectView(root=str(tmp_path)))
    assert d.rule == "DUR053" and d.line == 11
    # the environment value and both ARNs; not the construct id, fn.functionName or an unrelated "orders"
    assert "change what uses the name: line 22, line 26, line 27." in d.fix
    assert "replaces a deployed function" in d.fix
    alone = CDK_NAMED.replace(b"TARGET: NAME, ", b"").replace(b"${NAME}", b"other").replace(
        b"function:orders-workflow", b"function:other")
    (d,) = FRONTEND._check("stack.ts", alone, ProjectView(root=str(tmp_path)))
    assert d.fix.startswith("Remove functionName and let the tool generate the name.")


def test_cdk_dur052_fix_creates_an_alias_to_invoke_and_grant_on() -> None:
    src = (FIXTURES / "cdk-dur052-comment.ts").read_bytes()
    (d,) = FRONTEND._check("cdk-dur052-comment.ts", src, ProjectView(root=str(FIXTURES)))
    # one alias per function, named after it: two fixes in one stack declare no const or construct id twice
    assert ('const workflowLive = new lambda.Alias(this, "WorkflowLive", { aliasName: "live", '
            'version: workflow.currentVersion })') in d.fix
    assert "invoke and grant on the alias (workflowLive.functionArn)" in d.fix
    latest = src.replace(b"    void workflow;", b"    void workflow.latestVersion.functionArn;")
    (d,) = FRONTEND._check("cdk-dur052-comment.ts", latest, ProjectView(root=str(FIXTURES)))
    assert "has only latestVersion" in d.message
    assert "invoke and grant on the alias" in d.fix and "instead of workflow.latestVersion" in d.fix


def test_cdk_dur052_and_dur054_fixes_applied_literally_compile_and_clear_the_findings(tmp_path: Path) -> None:
    """A stack that imports Function and Runtime by name: the fixes say `Runtime.NODEJS_22_X` (not the
    template id nodejs22.x) and `new Alias(...)` with Alias added to that import (no `lambda.` namespace
    that the file lacks); applied as written they compile against aws-cdk-lib and leave nothing to report."""
    tsc = TOOLCHAIN / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        pytest.skip("toolchain not installed: run make toolchain")
    stack = """import { Duration, Stack } from "aws-cdk-lib";
import { Construct } from "constructs";
import { Code, Function, Runtime } from "aws-cdk-lib/aws-lambda";

export class OrderStack extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const orders = new Function(this, "Orders", {
      runtime: Runtime.NODEJS_20_X,
      handler: "index.handler",
      code: Code.fromInline("exports.handler = async () => 1;"),
      durableConfig: { executionTimeout: Duration.hours(1) },
    });
    void orders;
  }
}
"""
    diags = {d.rule: d for d in FRONTEND._check("stack.ts", stack.encode(), ProjectView(root=str(tmp_path)))}
    assert set(diags) == {"DUR052", "DUR054"}
    assert diags["DUR054"].fix == "Use Runtime.NODEJS_22_X or Runtime.NODEJS_24_X."
    fix = diags["DUR052"].fix
    assert '(add Alias to the import from "aws-cdk-lib/aws-lambda")' in fix
    statement = re.search(r"const ordersLive = new Alias\(this, \"OrdersLive\", .*?\}\)", fix)
    assert statement, fix
    fixed = (stack.replace("Runtime.NODEJS_20_X", "Runtime.NODEJS_22_X")
             .replace("import { Code, Function, Runtime }", "import { Alias, Code, Function, Runtime }")
             .replace("    void orders;", f"    {statement.group(0)};\n    void ordersLive;"))
    assert FRONTEND._check("stack.ts", fixed.encode(), ProjectView(root=str(tmp_path))) == []
    (tmp_path / "stack.ts").write_text(fixed)
    modules = TOOLCHAIN / "node_modules"
    config = {"compilerOptions": {"target": "ES2022", "module": "commonjs", "strict": True, "skipLibCheck": True,
                                  "noEmit": True, "types": [], "baseUrl": str(modules),
                                  "paths": {"*": [str(modules / "*")]}},
              "files": [str(tmp_path / "stack.ts")]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    proc = subprocess.run([str(tsc), "-p", str(tmp_path / "tsconfig.json")], capture_output=True, text=True,
                          timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cdk_dur052_fix_names_the_alias_class_as_the_file_imports_it() -> None:
    def fix_for(imports: str, construct: str = "const fn = new lambda.Function") -> str:
        src = (f"{imports}\nimport {{ Duration, Stack }} from 'aws-cdk-lib';\nclass S extends Stack {{ build() {{\n"
               f"  {construct}(this, 'F', {{ runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', "
               "durableConfig: { executionTimeout: Duration.hours(1) } });\n} }\n")
        (d,) = FRONTEND._check("s.ts", src.encode(), ProjectView(root="."))
        return d.fix

    assert "new lambda.Alias(" in fix_for("import * as lambda from 'aws-cdk-lib/aws-lambda';")
    assert "new lambda.Alias(" in fix_for("import { aws_lambda as lambda } from 'aws-cdk-lib';")
    assert "new LambdaAlias(" in fix_for("import * as lambda from 'aws-cdk-lib/aws-lambda';".replace(
        "* as lambda", "{ Alias as LambdaAlias }") + "\nimport * as lambda from 'aws-cdk-lib/aws-lambda-x';")
    unassigned = fix_for("import * as lambda from 'aws-cdk-lib/aws-lambda';", "new lambda.Function")
    assert unassigned.startswith("Assign the function to a const (const fn = new Function(...)), then create")


# --- DUR032: the durability of an invoke target, and fixes for CloudFormation and literal targets -----------

DUR032_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Target:
    Type: String
    Default: arn:aws:lambda:us-east-1:123456789012:function:worker
Resources:
  Orchestrator:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.13
      Role: arn:aws:iam::123456789012:role/r
      Code: src/
      DurableConfig:
        ExecutionTimeout: 900
      Environment:
        Variables:
          WITH_ALIAS: !GetAtt Durable.Arn
          NO_ALIAS: !Ref DurableNoAlias
          ON_DEMAND: !GetAtt OnDemand.Arn
          FROM_PARAMETER: !Ref Target
          LITERAL: arn:aws:lambda:us-east-1:123456789012:function:other
  Durable:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.13
      Role: arn:aws:iam::123456789012:role/r
      Code: src/
      DurableConfig:
        ExecutionTimeout: 900
  DurableVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Durable
  DurableLive:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Durable
      FunctionVersion: !GetAtt DurableVersion.Version
      Name: live
  DurableNoAlias:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.13
      Role: arn:aws:iam::123456789012:role/r
      Code: src/
      DurableConfig:
        ExecutionTimeout: 900
  OnDemand:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.13
      Role: arn:aws:iam::123456789012:role/r
      Code: src/
"""


def test_dur032_targets_carry_their_durability_and_a_fix_for_the_template_at_hand() -> None:
    from lambda_durable_mcp.analyzer.frontend import env_invoke_diagnostic

    summary = FRONTEND.summarize("template.yaml", DUR032_TEMPLATE.encode())
    targets = {t.var: t for t in summary.env_targets}
    assert {v: t.durable for v, t in targets.items()} == {
        "WITH_ALIAS": "yes", "NO_ALIAS": "yes", "ON_DEMAND": "no", "FROM_PARAMETER": "unknown", "LITERAL": "unknown"}
    assert targets["WITH_ALIAS"].fix == "set WITH_ALIAS to !Ref DurableLive (the alias of Durable)"
    assert targets["NO_ALIAS"].fix == ("add an AWS::Lambda::Version and an AWS::Lambda::Alias (FunctionName: "
                                       "!Ref DurableNoAlias) and set NO_ALIAS to !Ref <the alias>")
    assert targets["FROM_PARAMETER"].fix == ("append an alias or version to the Default of parameter Target (line 5), "
                                             "e.g. 'arn:aws:lambda:us-east-1:123456789012:function:worker:live'")
    assert targets["LITERAL"].fix == ("append an alias or version to LITERAL, e.g. "
                                      "'arn:aws:lambda:us-east-1:123456789012:function:other:live'")
    # an on-demand target is never reported; a durable one is, saying why; an unknown one, with the condition
    view = ProjectView(root=".", summaries={"template.yaml": summary})
    assert view.env_target("app.py", "ON_DEMAND") is None
    where, durable = view.env_target("app.py", "WITH_ALIAS")
    d = env_invoke_diagnostic("app.py", (1, 1), (1, 2), "x", where, durable)
    assert "an unqualified durable function: a durable function is invoked only through a version or alias" \
        in d.message
    where, unknown = view.env_target("app.py", "LITERAL")
    d = env_invoke_diagnostic("app.py", (1, 1), (1, 2), "x", where, unknown)
    assert "if the target is durable, it is invoked only through a version or alias" in d.message


# --- CDK Python ------------------------------------------------------------------------------------------

CDK_PY_HEAD = (b"from aws_cdk import Duration, Stack\nfrom aws_cdk import aws_iam as iam\n"
               b"from aws_cdk import aws_lambda as lambda_\n\n\nclass S(Stack):\n"
               b"    def __init__(self, scope, construct_id):\n        super().__init__(scope, construct_id)\n")


@pytest.mark.parametrize(("source", "accepted"), [
    (CDK_PY_HEAD + b"        lambda_.Function(self, 'F')\n", True),
    (b"import aws_cdk as cdk\ncdk.aws_lambda.Function(None, 'F')\n", True),
    (b"import aws_cdk.aws_lambda as lam\nlam.CfnFunction(None, 'F')\n", True),
    (b"  from aws_cdk.aws_lambda_python_alpha import PythonFunction\nPythonFunction(None, 'F')\n", True),
    (b"from aws_cdk.aws_lambda import Function as LambdaFunction\nLambdaFunction(None, 'F')\n", True),
    (b"from aws_cdk.aws_lambda import (\n    Function as Fn,\n)\nFn(None, 'F')\n", True),
    (b"import aws_cdk as cdk\napp = cdk.App()\n", False),                   # an app without functions
    (b"# aws_cdk\nfrom mylib import Function\nFunction('x')\n", False),      # mentions only
    (b"from aws_cdkx import Function\nFunction('x')\n", False),
    (b"def handler(event, context):\n    return Function(event)\n", False),
])
def test_cdk_python_files_are_recognised_by_their_aws_cdk_import(source: bytes, accepted: bool) -> None:
    assert FRONTEND.accepts("stack.py", source) is accepted
    assert not FRONTEND.accepts("stack.pyi", source) and not FRONTEND.accepts("stack.txt", source)


def test_ordinary_python_pays_only_for_a_substring_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """A .py file that never mentions aws_cdk is turned away before any regular expression runs."""
    import lambda_durable_mcp.analyzer.templates as templates

    class Boom:
        def search(self, _: bytes) -> None:
            raise AssertionError("regex ran")

    monkeypatch.setattr(templates, "_CDK_PY_IMPORT", Boom())
    monkeypatch.setattr(templates, "_CDK_PY_FUNCTION", Boom())
    assert not FRONTEND.accepts("handler.py", b"import boto3\n\ndef Function(x):\n    return x\n" * 500)


def test_cdk_python_through_the_engine_is_read_as_code_and_as_a_template() -> None:
    """A CDK Python stack goes to both frontends: the template checks report, the code checks find nothing."""
    from lambda_durable_mcp.analyzer import analyze_source
    from lambda_durable_mcp.analyzer.engine import frontends

    src = (FIXTURES / "cdk-py-invalid.py").read_bytes()
    assert [fe.name for fe in frontends() if fe.accepts("cdk-py-invalid.py", src)] == ["python", "template"]
    result = analyze_source(src.decode(), "python", path="cdk-py-invalid.py")
    assert {(d.line, d.rule) for d in result.diagnostics} == expectations(FIXTURES / "cdk-py-invalid.py")


def test_cdk_python_fixes_use_the_files_own_imports(tmp_path: Path) -> None:
    diags = run(FIXTURES / "cdk-py-invalid.py", FIXTURES)
    (d052,) = [d for d in diags if d.rule == "DUR052"]
    assert d052.fix == ("Assign the function to a variable (workflow = lambda_.Function(self, ...)), then create an "
                        'alias on a published version: workflow_live = lambda_.Alias(self, "WorkflowLive", '
                        'alias_name="live", version=workflow.current_version); invoke and grant on the alias '
                        "(workflow_live.function_arn).")
    d051 = [d for d in diags if d.rule == "DUR051"]
    assert len(d051) == 2 and all(d.fix.startswith(
        'Add iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSLambdaBasicDurableExecutionRolePolicy") '
        "to the role's managed_policies") for d in d051)
    (plain,) = [d for d in run(FIXTURES / "cdk-py-dur051-roles.py", FIXTURES) if "plain_arn" in d.message]
    assert plain.fix.startswith("Use iam.ManagedPolicy.from_aws_managed_policy_name(") and "${" not in plain.fix
    # another module alias, and the fix applied literally clears the finding
    stack = tmp_path / "stack.py"
    src = (CDK_PY_HEAD.replace(b"aws_iam as iam", b"aws_iam as aws_iam") +
           b"        role = aws_iam.Role(self, 'R', assumed_by=aws_iam.ServicePrincipal('lambda.amazonaws.com'))\n"
           b"        fn = lambda_.Function(self, 'F', role=role, runtime=lambda_.Runtime.NODEJS_22_X,\n"
           b"                              handler='index.handler', code=lambda_.Code.from_inline('x'),\n"
           b"                              durable_config=lambda_.DurableConfig(execution_timeout=Duration.hours(1)))\n"
           b"        fn.latest_version.function_arn\n")
    stack.write_bytes(src)
    diags = {d.rule: d for d in run(stack, tmp_path)}
    assert sorted(diags) == ["DUR051", "DUR052"]
    assert "has only latest_version, which is $LATEST" in diags["DUR052"].message
    assert "version=fn.current_version" in diags["DUR052"].fix and "instead of fn.latest_version" in diags["DUR052"].fix
    policy = diags["DUR051"].fix.removeprefix("Add ").split(" to the role's")[0]
    assert policy.startswith("aws_iam.ManagedPolicy.")
    stack.write_bytes(src + f"        role.add_managed_policy({policy})\n".encode()
                      + b"        lambda_.Alias(self, 'Live', alias_name='live', version=fn.current_version)\n")
    assert run(stack, tmp_path) == []


def test_cdk_python_missing_config_fix_is_python_and_applies(tmp_path: Path) -> None:
    from lambda_durable_mcp.analyzer import analyze_paths

    project = FIXTURES.parent / "cross" / "project-cdk-python-missing-durableconfig"
    diags = [d for d in analyze_paths([project], root=project).diagnostics if d.rule == "DUR050"]
    assert diags and all("durable_config=_lambda.DurableConfig(execution_timeout=Duration.days(1))" in d.fix
                         for d in diags)
    assert "Orders has no durable_config, but its handler lambda/orders/app.py:handler is a durable function" \
        in diags[0].message
    # the fix, applied literally, makes Orders a durable function (which then wants an alias, DUR052)
    import shutil

    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    stack = copy / "stacks" / "orders_stack.py"
    config = diags[0].fix.removeprefix("Add ").split(" to Orders")[0]
    stack.write_text(stack.read_text().replace('code=_lambda.Code.from_asset("lambda/orders"),\n        )',
                                               f'code=_lambda.Code.from_asset("lambda/orders"),\n            {config},\n        )', 1))
    after = [(d.line, d.rule) for d in analyze_paths([copy], root=copy).diagnostics if d.path == "stacks/orders_stack.py"]
    assert after == [(11, "DUR052"), (19, "DUR050"), (20, "DUR050")]


CDK_PY_NAMED = b'''\
from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as _lambda

NAME = "orders-workflow"


class S(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        fn = _lambda.Function(
            self, NAME,
            function_name=NAME,
            runtime=_lambda.Runtime.NODEJS_22_X,
            handler="index.handler",
            code=_lambda.Code.from_asset("src"),
            durable_config=_lambda.DurableConfig(execution_timeout=Duration.hours(1)),
        )
        _lambda.Alias(self, "Live", alias_name="live", version=fn.current_version)
        other = _lambda.Function(
            self, "Other",
            runtime=_lambda.Runtime.NODEJS_22_X,
            handler="index.handler",
            code=_lambda.Code.from_asset("src"),
            environment={"TARGET": NAME, "TABLE": "orders"},
        )
        other.add_to_role_policy(iam.PolicyStatement(
            actions=["lambda:SendDurableExecutionCallbackSuccess"],
            resources=[f"arn:aws:lambda:{self.region}:{self.account}:function:{NAME}:*",
                       "arn:aws:lambda:us-east-1:123456789012:function:orders-workflow"],
        ))
        other.add_environment("FN", fn.function_name)
'''


def test_cdk_python_dur053_fix_names_the_lines_that_use_the_name(tmp_path: Path) -> None:
    (d,) = FRONTEND._check("stack.py", CDK_PY_NAMED, ProjectView(root=str(tmp_path)))
    assert d.rule == "DUR053" and d.line == 13 and d.column == 13
    # the environment value and both ARNs; not the construct id, fn.function_name or an unrelated "orders"
    assert "change what uses the name: line 25, line 29, line 30." in d.fix
    alone = CDK_PY_NAMED.replace(b'"TARGET": NAME, ', b"").replace(b"{NAME}", b"other").replace(
        b"function:orders-workflow", b"function:other")
    (d,) = FRONTEND._check("stack.py", alone, ProjectView(root=str(tmp_path)))
    assert d.fix.startswith("Remove function_name and let the tool generate the name.")


def test_cdk_python_positions_point_at_the_call_the_keyword_and_the_value() -> None:
    diags = {(d.rule, d.line): d for d in run(FIXTURES / "cdk-py-invalid.py", FIXTURES)}
    lines = (FIXTURES / "cdk-py-invalid.py").read_text().splitlines()

    def written(d: Any) -> str:
        return lines[d.line - 1][d.column - 1:d.end_column - 1]

    assert written(diags[("DUR052", 23)]) == "l"  # the call spans lines: its first column
    assert written(diags[("DUR053", 26)]) == 'function_name="order-workflow"'
    assert written(diags[("DUR050", 32)]) == "execution_timeout=Duration.days(400)"
    assert written(diags[("DUR054", 40)]) == "runtime=lambda_.Runtime.PYTHON_3_10"
    assert written(diags[("DUR050", 84)]) == "durable_config"  # no execution_timeout: the keyword


@pytest.mark.parametrize("body", [
    b"        lambda_.Function(self)\n",
    b"        lambda_.Function()\n",
    b"        lambda_.Function(*args, **kwargs)\n",
    b"        lambda_.Function(self, 'F', durable_config=lambda_.DurableConfig(execution_timeout=Duration.days("
    + b"(" * 300 + b"1" + b")" * 300 + b")))\n",
    b"        lambda_.Function(self, 'F', durable_config=lambda_.DurableConfig(execution_timeout=Duration.days(1e308 * 1e308)))\n",
    b"        lambda_.Function(self, 'F', durable_config=lambda_.DurableConfig(execution_timeout=Duration.seconds(" + b"9" * 400 + b")))\n",
    b"        lambda_.Function(self, 'F', durable_config=lambda_.DurableConfig(execution_timeout=Duration.seconds(1 // 0)))\n",
    b"        a = b\n        b = a\n        lambda_.Function(self, a, durable_config=a, role=b, runtime=a, code=b, handler=a)\n",
    b"        lambda_.Function(self, 'F', durable_config={'execution_timeout': 900, **{'x': 1}}, environment=[1])\n",
    b"        lambda_.Function(self, 'F', durable_config=lambda_.DurableConfig(1, 2), role=iam.Role(), function_name=f'{x}')\n",
    b"        lambda_.Function(self, 'F', handler=1, code=lambda_.Code.from_asset(Path(__file__) / None))\n",
    b"        x = lambda_.Function(self, 'F', durable_config=lambda_.DurableConfig(execution_timeout=x))\n"
    b"        x.add_environment(1, x.function_arn + x)\n",
    b"        lambda_.Function(self, 'F', code=lambda_.Code.from_asset('\\x00'), handler='a.b', runtime='python3.13')\n",
    b"        lambda_.Function(self, 'F', code=lambda_.Code.from_asset('/'), handler='a.b')\n",
])
def test_cdk_python_odd_input_never_crashes(body: bytes) -> None:
    src = CDK_PY_HEAD + body
    assert FRONTEND.accepts("stack.py", src)
    FRONTEND.summarize("stack.py", src)
    diags = FRONTEND._check("stack.py", src, ProjectView(root="."))
    assert all(d.rule.startswith("DUR05") for d in diags)


def test_cdk_python_deep_nesting_and_binary_junk_never_crash() -> None:
    for src in (CDK_PY_HEAD + b"        x = " + b"[" * 200_000 + b"\n",
                CDK_PY_HEAD + b"        lambda_.Function(self, 'F', \xff\xfe\x00)\n",
                b"\xef\xbb\xbfimport aws_cdk\nFunction(" + b"-" * 100_000 + b"1)\n"):
        if FRONTEND.accepts("stack.py", src):
            FRONTEND.summarize("stack.py", src)
            FRONTEND._check("stack.py", src, ProjectView(root="."))


def test_cdk_python_dur032_targets() -> None:
    project = FIXTURES.parent / "cross" / "project-env-invoke-cdk-python"
    summary = FRONTEND.summarize("stack.py", (project / "stack.py").read_bytes())
    targets = {(t.var, t.code_dir.rsplit("/", 1)[-1] if t.code_dir else None): t for t in summary.env_targets}
    assert {k[0]: t.state for k, t in targets.items() if k[1] == "orchestrator"} == {
        "WORKER_ARN": "unqualified", "WORKER_LATEST": "latest", "WORKER_PLUS_LATEST": "latest",
        "WORKER_LIVE": "qualified", "WORKER_VERSION": "qualified", "WORKER_LITERAL": "unqualified",
        "HELPER_ARN": "unqualified", "WORKER_NAME": "unqualified"}
    assert targets[("HELPER_ARN", "orchestrator")].durable == "no"
    assert targets[("WORKER_ARN", "orchestrator")].durable == "yes"
    assert targets[("WORKER_ARN", "other")].state == "qualified"
    assert targets[("WORKER_ARN", "orchestrator")].fix == (  # the stack has that alias already
        "set WORKER_ARN to the existing alias's ARN: live.function_arn")


CDK_PY_SYNTH = """
import importlib.util, json, os, sys
import aws_cdk as cdk
out = {}
for file, cls in [a.split(":") for a in sys.argv[2:]]:
    spec = importlib.util.spec_from_file_location(os.path.basename(file)[:-3].replace("-", "_"), file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    app = cdk.App(outdir=os.path.join(sys.argv[1], cls))
    try:
        getattr(mod, cls)(app, cls)
        out[cls] = app.synth().get_stack_by_name(cls).template
    except Exception as e:
        out[cls] = {"error": str(e)}
print(json.dumps(out))
"""


@pytest.mark.slow
def test_cdk_python_fixtures_synthesize_and_agree_with_the_template_checks(tmp_path: Path) -> None:
    """The CDK Python fixtures are real CDK code (aws-cdk-lib from PyPI, when installed): the valid stack
    synthesizes into a template the CloudFormation checks also find clean, CDK refuses the invalid ones for
    the DUR050 problems, and the roles the checks report in the source are the ones they report in the
    synthesized template."""
    import importlib.util

    python = TOOLCHAIN / "cdk-python" / "bin" / "python"  # `make toolchain` installs it (Makefile)
    if not python.exists():
        if importlib.util.find_spec("aws_cdk") is None or importlib.util.find_spec("aws_cdk.aws_lambda") is None:
            pytest.skip("aws-cdk-lib (Python) not installed: run `make toolchain`")
        python = Path(sys.executable)
    script = tmp_path / "synth.py"
    script.write_text(CDK_PY_SYNTH)
    stacks = [f"{FIXTURES / 'cdk-py-valid.py'}:ValidStack", f"{FIXTURES / 'cdk-py-invalid.py'}:InvalidStack",
              f"{FIXTURES / 'cdk-py-invalid.py'}:MissingTimeoutStack",
              f"{FIXTURES / 'cdk-py-dur051-roles.py'}:RolesStack"]
    env = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1", "CDK_DISABLE_VERSION_CHECK": "1"}
    proc = subprocess.run([str(python), str(script), str(tmp_path / "cdk.out"), *stacks], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "executionTimeout must be between 1 and 31622400 seconds" in result["InvalidStack"]["error"]
    assert "execution_timeout" in result["MissingTimeoutStack"]["error"]
    valid = tmp_path / "valid.template.json"
    valid.write_text(json.dumps(result["ValidStack"], indent=1))
    durable = [r for r in result["ValidStack"]["Resources"].values()
               if r["Type"] == "AWS::Lambda::Function" and "DurableConfig" in r["Properties"]]
    assert len(durable) == 6
    assert run(valid, tmp_path) == [] == run(FIXTURES / "cdk-py-valid.py", FIXTURES)
    roles = tmp_path / "roles.template.json"
    roles.write_text(json.dumps(result["RolesStack"], indent=1))
    synthesized = sorted(re.sub(r"[0-9A-F]{8}$", "", d.message.split()[1]) for d in run(roles, tmp_path)
                         if d.rule == "DUR051")
    source = sorted(d.message.split()[1] for d in run(FIXTURES / "cdk-py-dur051-roles.py", FIXTURES))
    assert synthesized == ["Denied", "DenyOnly", "PlainArn", "WorkerRole"]
    assert source == ["denied", "deny_only", "plain_arn", "worker_role"]


@pytest.mark.parametrize(("grant", "state"), [
    ("", "missing"),
    ("        role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(POLICY))\n", "ok"),
    ("        fn.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(POLICY))\n", "ok"),
    ("        fn.add_to_role_policy(iam.PolicyStatement(actions=['lambda:*'], resources=['*']))\n", "ok"),
    ("        fn.add_to_role_policy(statement)\n", "unknown"),               # a parameter
    ("        role.add_managed_policy(policy)\n", "unknown"),
    ("        doc = iam.PolicyDocument(statements=[iam.PolicyStatement(actions=ACTIONS, resources=['*'])])\n"
     "        role.attach_inline_policy(iam.Policy(self, 'P', document=doc))\n", "ok"),
    ("        iam.ManagedPolicy(self, 'M', statements=[iam.PolicyStatement(actions=ACTIONS, resources=['*'])])"
     ".attach_to_role(role)\n", "ok"),
    ("        p = iam.Policy(self, 'P', statements=[iam.PolicyStatement(actions=ACTIONS, resources=['*'])])\n"
     "        p.attach_to_role(role)\n", "ok"),
    ("        role.add_to_policy(iam.PolicyStatement(not_actions=['s3:*'], resources=['*']))\n", "unknown"),
    ("        role.add_to_policy(iam.PolicyStatement(actions=ACTIONS, resources=['*'], effect=effect))\n", "unknown"),
    ("        role.add_to_policy(iam.PolicyStatement(actions=['lambda:InvokeFunction'], resources=[fn.function_arn]))\n",
     "missing"),                                                              # a function in a Resource grants nothing
    ("        role.add_to_policy(iam.PolicyStatement.from_json({'Action': '*'}))\n", "unknown"),
])
def test_cdk_python_role_grants(grant: str, state: str) -> None:
    from lambda_durable_mcp.analyzer.templates.cdk_python import functions

    src = ("from aws_cdk import Duration, Stack\nfrom aws_cdk import aws_iam as iam\nfrom aws_cdk import aws_lambda as _lambda\n"
           "POLICY = 'service-role/AWSLambdaBasicDurableExecutionRolePolicy'\n"
           "ACTIONS = ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState']\n\n\n"
           "class S(Stack):\n    def __init__(self, scope, construct_id, statement, policy, effect):\n"
           "        super().__init__(scope, construct_id)\n"
           "        role = iam.Role(self, 'R', assumed_by=iam.ServicePrincipal('lambda.amazonaws.com'))\n"
           "        fn = _lambda.Function(self, 'F', role=role, runtime=_lambda.Runtime.NODEJS_22_X, handler='i.h',\n"
           "                              code=_lambda.Code.from_inline('x'),\n"
           "                              durable_config=_lambda.DurableConfig(execution_timeout=Duration.hours(1)))\n"
           + grant)
    (fn,) = functions(src, Path("stack.py"))
    assert fn.role is not None and fn.role.state == state


@pytest.mark.parametrize(("role_args", "state"), [
    ("managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(POLICY)]", "ok"),
    ("managed_policies=[iam.ManagedPolicy.from_managed_policy_arn(self, 'D', 'arn:aws:iam::aws:policy/' + POLICY)]", "ok"),
    ("managed_policies=MANAGED", "ok"),
    ("managed_policies=policies", "unknown"),
    ("managed_policies=[policy]", "unknown"),
    ("inline_policies={'d': iam.PolicyDocument(statements=[iam.PolicyStatement(actions=ACTIONS, resources=['*'])])}",
     "ok"),
    ("inline_policies={'d': DOC}", "ok"),
    ("inline_policies={'d': policy}", "unknown"),
    ("inline_policies=policies", "unknown"),
    ("description=policy", "missing"),
])
def test_cdk_python_role_arguments(role_args: str, state: str) -> None:
    from lambda_durable_mcp.analyzer.templates.cdk_python import functions

    src = ("from aws_cdk import Duration, Stack\nfrom aws_cdk import aws_iam as iam\nfrom aws_cdk import aws_lambda as _lambda\n"
           "POLICY = 'service-role/AWSLambdaBasicDurableExecutionRolePolicy'\n"
           "ACTIONS = ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState']\n"
           "MANAGED = [iam.ManagedPolicy.from_aws_managed_policy_name(POLICY)]\n"
           "DOC = iam.PolicyDocument(statements=[iam.PolicyStatement(actions=ACTIONS, resources=['*'])])\n\n\n"
           "class S(Stack):\n    def __init__(self, scope, construct_id, policy, policies):\n"
           "        super().__init__(scope, construct_id)\n"
           f"        role = iam.Role(self, 'R', assumed_by=iam.ServicePrincipal('lambda.amazonaws.com'), {role_args})\n"
           "        fn = _lambda.Function(self, 'F', role=role, runtime=_lambda.Runtime.NODEJS_22_X, handler='i.h',\n"
           "                              code=_lambda.Code.from_inline('x'),\n"
           "                              durable_config=_lambda.DurableConfig(execution_timeout=Duration.hours(1)))\n")
    (fn,) = functions(src, Path("stack.py"))
    assert fn.role is not None and fn.role.state == state


@pytest.mark.parametrize(("code", "found"), [
    ("code=_lambda.Code.from_asset('lambda/app')", "lambda/app/app.py"),                  # from cdk.json's folder
    ("code=_lambda.Code.from_asset(path='lambda/app')", "lambda/app/app.py"),
    ("code=_lambda.Code.from_asset(os.path.join(os.path.dirname(__file__), '..', 'lambda', 'app'))",
     "lambda/app/app.py"),
    ("code=_lambda.Code.from_asset(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../lambda/app'))",
     "lambda/app/app.py"),
    ("code=_lambda.Code.from_asset(str(Path(__file__).resolve().parent.parent / 'lambda' / 'app'))",
     "lambda/app/app.py"),
    ("code=_lambda.Code.from_asset(str(Path(__file__).parent.parent.joinpath('lambda', 'app')))", "lambda/app/app.py"),
    ("code=_lambda.Code.from_asset(f'{BASE}/app')", "lambda/app/app.py"),
    ("code=_lambda.Code.from_asset(ASSET)", "lambda/app/app.py"),
    ("code=_lambda.Code.from_asset(get_path())", None),
])
def test_cdk_python_code_paths(tmp_path: Path, code: str, found: str | None) -> None:
    from lambda_durable_mcp.analyzer.templates.cdk_python import functions

    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}')
    (tmp_path / "lambda" / "app").mkdir(parents=True)
    (tmp_path / "lambda" / "app" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "stacks").mkdir()
    src = ("import os\nfrom pathlib import Path\n\nfrom aws_cdk import aws_lambda as _lambda\n\n"
           "BASE = os.path.join(os.path.dirname(__file__), '..', 'lambda')\nASSET = 'lambda/app'\n\n"
           f"_lambda.Function(None, 'F', runtime=_lambda.Runtime.PYTHON_3_13, handler='app.handler', {code})\n")
    fns = functions(src, tmp_path / "stacks" / "stack.py")
    if found is None:  # no code file known: no record for a function without durable_config
        assert fns == []
    else:
        (fn,) = fns
        assert fn.durable is False and os.path.normpath(tmp_path / found) in {os.path.normpath(p) for p in fn.code_files}


# --- linting a CDK stack file alone ----------------------------------------------------------------------

@pytest.mark.parametrize(("project", "stack", "waits"), [
    ("project-cdk-ts", "lib/stack.ts", 2),
    ("project-cdk-python", "infra/stack.py", 3),
])
def test_linting_a_cdk_stack_alone_follows_its_handler_files(project: str, stack: str, waits: int) -> None:
    """The stack file alone still sees the waits of the code it deploys (DUR055), named by their plain paths:
    the template frontend's handler files are followed although a code frontend summarized the file first."""
    from lambda_durable_mcp.analyzer import analyze_paths

    root = FIXTURES / project
    alone = analyze_paths([root / stack], root=root).diagnostics
    whole = [d for d in analyze_paths([root], root=root).diagnostics if d.path == stack]
    assert [d.rule for d in alone].count("DUR055") == waits
    assert [(d.line, d.rule, d.message) for d in alone] == [(d.line, d.rule, d.message) for d in whole]


@pytest.mark.parametrize(("text", "bundled"), [
    ('[project]\ndependencies = ["boto3", "aws-durable-execution-sdk-python"]\n', True),  # one line
    ('[project]\ndependencies = [\n  "boto3",\n  "aws-durable-execution-sdk-python>=1.0",\n]\n', True),
    ('[project]\ndependencies = ["boto3"]\n# aws-durable-execution-sdk-python, some day\n', False),
])
def test_python_sdk_bundled_reads_a_pyproject_dependency_list(tmp_path: Path, text: str, bundled: bool) -> None:
    from lambda_durable_mcp.analyzer.templates.rules import python_sdk_bundled

    (tmp_path / "pyproject.toml").write_text(text)
    assert python_sdk_bundled(tmp_path) is bundled


CDK_PY_NO_DURATION = '''\
from aws_cdk import Stack
from aws_cdk import aws_lambda as _lambda


class S(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        fn = _lambda.Function(self, "Orders", runtime=_lambda.Runtime.PYTHON_3_13, handler="app.handler",
                              code=_lambda.Code.from_asset("lambda/orders"){config})
        fn.add_alias("live")
'''


@pytest.mark.parametrize("config", ["", ", durable_config=None"])
def test_cdk_python_dur050_fix_names_missing_imports_and_durable_config_none_is_none(
        tmp_path: Path, config: str) -> None:
    """durable_config=None is no durable config (DUR050 for a durable handler); the fix names the imports
    it needs when the file lacks them, and applied literally it clears DUR050."""
    import shutil

    from lambda_durable_mcp.analyzer import analyze_paths

    shutil.copytree(FIXTURES.parent / "cross" / "project-cdk-python-missing-durableconfig" / "lambda",
                    tmp_path / "lambda")
    (tmp_path / "cdk.json").write_text('{"app": "python3 stack.py"}')
    stack = tmp_path / "stack.py"
    stack.write_text(CDK_PY_NO_DURATION.format(config=config))
    (d,) = [d for d in analyze_paths([tmp_path], root=tmp_path).diagnostics if d.path == "stack.py"]
    assert d.rule == "DUR050" and d.line == 8, d.message
    added = "durable_config=_lambda.DurableConfig(execution_timeout=Duration.days(1))"
    assert f"{added} (from aws_cdk import Duration)" in d.fix
    if config:
        assert d.fix.startswith("Replace durable_config=None of Orders with ")
    src = CDK_PY_NO_DURATION.format(config=", " + added).replace(
        "from aws_cdk import Stack\n", "from aws_cdk import Stack\nfrom aws_cdk import Duration\n")
    stack.write_text(src)
    assert [d for d in analyze_paths([tmp_path], root=tmp_path).diagnostics if d.path == "stack.py"] == []
    compile(src, "stack.py", "exec")


@pytest.mark.parametrize(("alias", "fix"), [
    ("live = worker.add_alias('live')", "set WORKER_ARN to the existing alias's ARN: live.function_arn"),
    ("live = worker.current_version.add_alias('live')",
     "set WORKER_ARN to the existing alias's ARN: live.function_arn"),
    ("live = _lambda.Alias(self, 'Live', alias_name='live', version=worker.current_version)",
     "set WORKER_ARN to the existing alias's ARN: live.function_arn"),
    ("worker.add_alias('live')", "set WORKER_ARN to the ARN of the existing alias on line 12: assign it "
     "(worker_live = worker.add_alias('live')) and use worker_live.function_arn"),
    ("", "set WORKER_ARN to a version or alias ARN, e.g. worker_live.function_arn, with one alias per function "
     '(the one the DUR052 fix adds, if any): worker_live = _lambda.Alias(self, "WorkerLive", alias_name="live", '
     "version=worker.current_version)"),
])
def test_cdk_python_dur032_fix_uses_the_existing_alias(alias: str, fix: str) -> None:
    """A second alias named live on the same function fails to synthesize or deploy: name the one there is."""
    src = (CDK_PY_HEAD.replace(b"aws_lambda as lambda_", b"aws_lambda as _lambda") +
           b"        worker = _lambda.Function(self, 'W', runtime=_lambda.Runtime.PYTHON_3_13, handler='i.h',\n"
           b"            code=_lambda.Code.from_asset('w'),\n"
           b"            durable_config=_lambda.DurableConfig(execution_timeout=Duration.hours(1)))\n" +
           f"        {alias or 'pass'}\n".encode() +
           b"        _lambda.Function(self, 'O', runtime=_lambda.Runtime.PYTHON_3_13, handler='i.h',\n"
           b"            code=_lambda.Code.from_asset('o'), environment={'WORKER_ARN': worker.function_arn},\n"
           b"            durable_config=_lambda.DurableConfig(execution_timeout=Duration.hours(1)))\n")
    (target,) = FRONTEND.summarize("stack.py", src).env_targets
    assert target.fix == fix


def test_cdk_python_dur052_fix_for_an_unassigned_function_names_a_variable_to_assign(tmp_path: Path) -> None:
    """``_lambda.Function(self, "Orders", ...)`` as a bare statement: the fix says to assign it, and uses that name."""
    body = (b"        _lambda.Function(self, 'Orders', runtime=_lambda.Runtime.NODEJS_22_X, handler='index.handler',\n"
            b"            code=_lambda.Code.from_inline('x'),\n"
            b"            durable_config=_lambda.DurableConfig(execution_timeout=Duration.hours(1)))\n")
    head = CDK_PY_HEAD.replace(b"aws_lambda as lambda_", b"aws_lambda as _lambda")
    stack = tmp_path / "stack.py"
    stack.write_bytes(head + body)
    (d,) = run(stack, tmp_path)
    assert d.rule == "DUR052"
    assert d.fix.startswith("Assign the function to a variable (orders = _lambda.Function(self, ...)), then ")
    alias = d.fix.split("published version: ")[1].split("; invoke")[0]
    assert alias == 'orders_live = _lambda.Alias(self, "OrdersLive", alias_name="live", version=orders.current_version)'
    src = head + body.replace(b"        _lambda.Function(", b"        orders = _lambda.Function(") + \
        f"        {alias}\n".encode()
    stack.write_bytes(src)
    assert run(stack, tmp_path) == []
    compile(src, "stack.py", "exec")


def test_cdk_python_stack_with_a_utf8_bom_is_read_with_the_same_positions(tmp_path: Path) -> None:
    src = (b"import aws_cdk as cdk; cdk.aws_lambda.Function(None, 'F', runtime=cdk.aws_lambda.Runtime.NODEJS_18_X, "
           b"handler='index.handler', code=cdk.aws_lambda.Code.from_inline('x'), "
           b"durable_config=cdk.aws_lambda.DurableConfig(execution_timeout=cdk.Duration.seconds(0)))\n")
    plain, bom = tmp_path / "plain.py", tmp_path / "bom.py"
    plain.write_bytes(src)
    bom.write_bytes(b"\xef\xbb\xbf" + src)
    want = [(d.line, d.column, d.end_column, d.rule) for d in run(plain, tmp_path)]
    assert {w[3] for w in want} == {"DUR050", "DUR052", "DUR054"} and {w[0] for w in want} == {1}
    assert [(d.line, d.column, d.end_column, d.rule) for d in run(bom, tmp_path)] == want


def test_cdk_python_reads_a_dict_copy_with_overrides_as_keywords(tmp_path: Path) -> None:
    """``props = dict(COMMON, runtime=...)`` then ``**props``: COMMON's keys, the keywords override them."""
    stack = tmp_path / "stack.py"
    stack.write_bytes(
        CDK_PY_HEAD.replace(b"aws_lambda as lambda_", b"aws_lambda as _lambda") +
        b"        common = {'runtime': _lambda.Runtime.NODEJS_18_X, 'code': _lambda.Code.from_inline('x'),\n"
        b"                  'durable_config': _lambda.DurableConfig(execution_timeout=Duration.days(500))}\n"
        b"        props = dict(common, runtime=_lambda.Runtime.NODEJS_22_X)\n"
        b"        fn = _lambda.Function(self, 'F', handler='index.handler', **props)\n"
        b"        fn.add_alias('live')\n"
        b"        pairs = dict([('durable_config', None)], runtime=_lambda.Runtime.NODEJS_22_X)\n"
        b"        _lambda.Function(self, 'G', handler='index.handler', **pairs)\n")
    assert [(d.line, d.rule) for d in run(stack, tmp_path)] == [(10, "DUR050")]


def test_missing_durable_config_fix_outlasts_the_handlers_waits_and_the_callback_fix(tmp_path: Path) -> None:
    """DUR050's ExecutionTimeout and DUR033's callback timeout, both applied as written, must not make a
    DUR055: the timeout outlasts the longest wait in the handler and the hour the callback fix proposes."""
    from lambda_durable_mcp.analyzer import analyze_paths

    (tmp_path / "src").mkdir()
    handler = tmp_path / "src" / "app.py"
    handler.write_text(
        "from aws_durable_execution_sdk_python import DurableContext, durable_execution\n"
        "from aws_durable_execution_sdk_python.config import Duration\n\n\n"
        "@durable_execution\n"
        "def handler(event: dict, context: DurableContext):\n"
        "    context.wait(Duration.from_days(2), name=\"cool-down\")\n"
        "    return context.wait_for_callback(lambda callback_id, _ctx: None, name=\"approval\")\n")
    template = tmp_path / "template.yaml"
    template.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                        "    Properties:\n      Handler: app.handler\n      Runtime: python3.13\n      CodeUri: src/\n"
                        "      AutoPublishAlias: live\n")
    diags = {d.rule: d for d in analyze_paths([tmp_path], root=tmp_path).diagnostics}
    assert diags["DUR050"].fix.startswith("Add DurableConfig: {ExecutionTimeout: 604800} to Fn")
    assert "timeout=Duration.from_hours(1)" in diags["DUR033"].fix
    template.write_text(template.read_text() + "      DurableConfig:\n        ExecutionTimeout: 604800\n")
    handler.write_text(handler.read_text().replace(
        'name="approval")', 'name="approval", config=WaitForCallbackConfig(timeout=Duration.from_hours(1)))').replace(
        "import Duration", "import Duration, WaitForCallbackConfig"))
    assert [d.rule for d in analyze_paths([tmp_path], root=tmp_path).diagnostics if d.severity != "info"] == []


def test_dur053_lists_a_qualified_name_and_tells_own_checkpoints_from_another_functions_grant(tmp_path: Path) -> None:
    """`Name:live` in another function's environment uses the name too; the managed policy has no callback
    actions, so another function's grant needs a pattern without the name (its ARN there can make a cycle)."""
    template = tmp_path / "template.yaml"
    template.write_text("""Transform: AWS::Serverless-2016-10-31
Resources:
  Workflow:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: workflow-fn
      Handler: app.handler
      Runtime: python3.13
      CodeUri: src/
      AutoPublishAlias: live
      DurableConfig:
        ExecutionTimeout: 3600
  Checker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: checker.handler
      Runtime: python3.13
      CodeUri: src/
      Environment:
        Variables:
          WORKFLOW: workflow-fn:live
      Policies:
        - Statement:
            - Effect: Allow
              Action: lambda:SendDurableExecutionCallbackSuccess
              Resource: !Sub arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:workflow-fn*
""")
    (d,) = [d for d in run(template, tmp_path) if d.rule == "DUR053"]
    assert "line 21 (environment of Checker), line 26 (policy of Checker)." in d.fix
    assert "function:${AWS::StackName}-*" in d.fix and "circular dependency" in d.fix


def test_cdk_fixes_spell_duration_and_managed_policy_as_the_file_imports_them(tmp_path: Path) -> None:
    """`import * as cdk` and named imports from aws-lambda/aws-iam: DUR050's timeout is cdk.Duration and
    DUR051's policy ManagedPolicy added to the iam import; applied as written, the stack compiles."""
    tsc = TOOLCHAIN / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        pytest.skip("toolchain not installed: run make toolchain")
    from lambda_durable_mcp.analyzer import analyze_paths

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "worker.ts").write_text(
        'import { withDurableExecution } from "@aws/durable-execution-sdk-js";\n'
        "export const handler = withDurableExecution(async (event: unknown, context: any) => "
        'context.step("work", async () => 1));\n')
    stack = """import * as cdk from "aws-cdk-lib";
import { Code, Function, Runtime } from "aws-cdk-lib/aws-lambda";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";

export class WorkerStack extends cdk.Stack {
  constructor(scope: cdk.App, id: string) {
    super(scope, id);
    const role = new Role(this, "Role", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    const worker = new Function(this, "Worker", {
      runtime: Runtime.NODEJS_22_X,
      handler: "worker.handler",
      code: Code.fromAsset("src"),
      role,
    });
    void worker;
  }
}
"""
    (tmp_path / "stack.ts").write_text(stack)

    def fixes() -> dict[str, str]:
        return {d.rule: d.fix or "" for d in analyze_paths([tmp_path], root=tmp_path).diagnostics
                if d.path.endswith("stack.ts")}

    first = fixes()
    assert first["DUR050"].startswith("Add durableConfig: { executionTimeout: cdk.Duration.days(1) } to Worker")
    stack = stack.replace("      role,\n", "      role,\n      durableConfig: { executionTimeout: cdk.Duration.days(1) },\n")
    (tmp_path / "stack.ts").write_text(stack)
    second = fixes()
    assert second["DUR051"].startswith('Add ManagedPolicy.fromAwsManagedPolicyName("service-role/AWSLambdaBasicDurable'
                                       'ExecutionRolePolicy") (add ManagedPolicy to the import from "aws-cdk-lib/aws-iam")')
    alias = re.search(r"const workerLive = new (\S+)\(this, \"WorkerLive\", .*?\}\)", second["DUR052"])
    assert alias, second["DUR052"]
    stack = (stack.replace("import { Role, ServicePrincipal }", "import { ManagedPolicy, Role, ServicePrincipal }")
             .replace('assumedBy: new ServicePrincipal("lambda.amazonaws.com") }',
                      'assumedBy: new ServicePrincipal("lambda.amazonaws.com"), managedPolicies: '
                      '[ManagedPolicy.fromAwsManagedPolicyName("service-role/AWSLambdaBasicDurableExecutionRolePolicy")] }')
             .replace("    void worker;", f"    {alias.group(0)};\n    void workerLive;"))
    if alias.group(1) == "Alias":
        stack = stack.replace("import { Code, Function, Runtime }", "import { Alias, Code, Function, Runtime }")
    (tmp_path / "stack.ts").write_text(stack)
    assert fixes() == {}
    (tmp_path / "node_modules").symlink_to(TOOLCHAIN / "node_modules")
    proc = subprocess.run([str(tsc), "--noEmit", "--strict", "--target", "ES2022", "--module", "commonjs",
                           "--skipLibCheck", "--types", "node", "stack.ts"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dur032_and_dur053_agree_on_a_fixed_name_used_elsewhere(tmp_path: Path) -> None:
    """Another function's environment holds the fixed name: DUR032 refers to the function's alias (a name
    with `:live` would break when DUR053's fix removes FunctionName), and DUR053 lists every use, the
    policy template's FunctionName and an output's ARN included."""
    from lambda_durable_mcp.analyzer import analyze_paths

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "fulfil.py").write_text(
        "from aws_durable_execution_sdk_python import DurableContext, durable_execution\n\n\n@durable_execution\n"
        "def handler(event: dict, context: DurableContext):\n    return context.step(lambda _: 1, name=\"one\")\n")
    (tmp_path / "src" / "dispatch.py").write_text(
        "import os\n\nfrom aws_durable_execution_sdk_python import DurableContext, durable_execution\n\n"
        "FULFIL = os.environ[\"FULFIL_FUNCTION\"]\n\n\n@durable_execution\n"
        "def handler(event: dict, context: DurableContext):\n"
        "    return context.invoke(FULFIL, {\"job\": 1}, name=\"fulfil\")\n")
    (tmp_path / "template.yaml").write_text("""Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    CodeUri: src/
    AutoPublishAlias: live
    DurableConfig:
      ExecutionTimeout: 3600
Resources:
  FulfilFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: fulfil-orders
      Handler: fulfil.handler
  DispatchFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: dispatch.handler
      Environment:
        Variables:
          FULFIL_FUNCTION: fulfil-orders
      Policies:
        - LambdaInvokePolicy:
            FunctionName: fulfil-orders
Outputs:
  FulfilArn:
    Value: !Sub arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:fulfil-orders
""")
    fixes = {d.rule: d.fix or "" for d in analyze_paths([tmp_path], root=tmp_path).diagnostics}
    assert fixes["DUR032"].endswith("use !Ref FulfilFunction.Alias")
    assert ("change what uses the name: line 21 (environment of DispatchFunction), line 24 (policy of "
            "DispatchFunction), line 27 (output FulfilArn).") in fixes["DUR053"]

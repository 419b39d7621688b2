"""Every code block in the guides is checked against the real thing: tsc with the installed SDKs,
the Python compiler and the testing SDK's runner, the installed botocore model, and cfn-lint."""

import ast
import json
import shlex
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, TOOLCHAIN
from guide_blocks import Block, blocks

ALL = blocks()


def ids(items: list[Block]) -> list[str]:
    return [b.where for b in items]


# ------------------------------------------------------------------ TypeScript / JavaScript

TSC = TOOLCHAIN / "node_modules" / ".bin" / "tsc"


@pytest.mark.slow
def test_typescript_blocks_type_check(tmp_path: Path) -> None:
    """One tsc process over every ts block (checked) and every fragment/js block (parsed only)."""
    if not TSC.exists():
        pytest.skip("toolchain not installed: run make toolchain")
    src = tmp_path / "src"
    src.mkdir()
    names: dict[str, Block] = {}
    for b in (x for x in ALL if x.lang in ("ts", "js")):
        ext = ".ts" if b.lang == "ts" else ".js"
        name = f"{b.topic.replace('-', '_')}_{b.line}{ext}"
        head = "// @ts-nocheck\n" if ("fragment" in b.flags or b.lang == "js") else ""
        code = b.code
        # Each file is its own module, so names from two blocks never clash.
        if b.lang == "ts" and "import " not in code and "export " not in code:
            code += "\nexport {};\n"
        (src / name).write_text(head + code)
        names[name] = b
    assert names, "the guides have TypeScript blocks"
    (tmp_path / "node_modules").symlink_to(TOOLCHAIN / "node_modules")
    (tmp_path / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {
            "target": "ES2022", "module": "commonjs", "moduleResolution": "node", "strict": True,
            "esModuleInterop": True, "skipLibCheck": True, "noEmit": True, "allowJs": True,
            "checkJs": False, "lib": ["ES2022"], "types": ["node", "jest"],
            "noUnusedLocals": False, "isolatedModules": False,
        },
        "include": ["src"],
    }))
    proc = subprocess.run([str(TSC), "-p", str(tmp_path), "--pretty", "false"], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    problems = []
    for line in proc.stdout.splitlines():
        if line.startswith("src/") and "(" in line:
            fname, _, rest = line[4:].partition("(")
            b = names.get(fname)
            shift = 1 if b is not None and ("fragment" in b.flags or b.lang == "js") else 0
            row = int(rest.split(",")[0]) - shift
            problems.append(f"{b.where if b else fname} (+{row}): {line.split(':', 1)[1].strip()}")
        elif line.strip():
            problems.append(line)
    assert proc.returncode == 0 and not problems, "\n".join(problems or [proc.stdout, proc.stderr])


# ------------------------------------------------------------------ Python

PY_BLOCKS = [b for b in ALL if b.lang == "python"]


@pytest.mark.parametrize("block", PY_BLOCKS, ids=ids(PY_BLOCKS))
def test_python_blocks_compile(block: Block) -> None:
    compile(block.code, block.where, "exec")


RUNNABLE = [b for b in PY_BLOCKS if "runnable" in b.flags]


def test_some_python_blocks_are_runnable() -> None:
    assert len(RUNNABLE) >= 6
    for b in RUNNABLE:
        assert "DurableFunctionTestRunner" in b.code and "assert " in b.code, b.where


@pytest.mark.parametrize("block", RUNNABLE, ids=ids(RUNNABLE))
def test_python_runnable_blocks_pass(block: Block) -> None:
    exec(compile(block.code, block.where, "exec"), {"__name__": "__guide__"})  # noqa: S102


# Every other Python block that defines a durable `handler` runs too, on one sample event that
# carries the fields the examples read; callbacks are answered. They must succeed.
SAMPLE_EVENT = {"orderId": "o1", "id": "i1", "amount": 42, "items": ["a", "b"], "userId": "u1", "jobId": "j1",
                "tripId": "t1", "ids": [str(i) for i in range(250)], "expenseId": "e1", "images": ["a.png"]}
HANDLERS = [b for b in PY_BLOCKS if "def handler" in b.code and "runnable" not in b.flags
            and "fragment" not in b.flags and "boto3" not in b.code]


def test_guides_have_python_handler_examples() -> None:
    assert len(HANDLERS) >= 12


@pytest.mark.parametrize("block", HANDLERS, ids=ids(HANDLERS))
def test_python_handler_examples_run(block: Block) -> None:
    from aws_durable_execution_sdk_python.execution import InvocationStatus
    from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

    namespace: dict[str, Any] = {"__name__": "__guide__"}
    exec(compile(block.code, block.where, "exec"), namespace)  # noqa: S102
    with DurableFunctionTestRunner(handler=namespace["handler"]) as runner:
        arn = runner.run_async(input=json.dumps(SAMPLE_EVENT))
        if "callback" in block.code:
            callback_id = runner.wait_for_callback(arn, timeout=10)
            runner.send_callback_success(callback_id, result=b'{"approved": true, "rows": 3}')
        result = runner.wait_for_result(arn, timeout=30)
    assert result.status is InvocationStatus.SUCCEEDED, result.error


# ------------------------------------------------------------------ AWS API calls

@cache
def lambda_model() -> Any:
    from botocore.session import get_session

    return get_session().get_service_model("lambda")


@cache
def paginators() -> dict[str, Any]:
    from botocore.session import get_session

    return get_session().get_paginator_model("lambda")._paginator_config


def xform(name: str) -> str:
    from botocore import xform_name

    return xform_name(name)


def operations() -> dict[str, str]:
    """python name -> operation name"""
    return {xform(op): op for op in lambda_model().operation_names}


CLI_GLOBAL = {"--debug", "--endpoint-url", "--no-verify-ssl", "--no-paginate", "--output", "--query",
              "--profile", "--region", "--version", "--color", "--no-sign-request", "--ca-bundle",
              "--cli-read-timeout", "--cli-connect-timeout", "--cli-binary-format", "--no-cli-pager",
              "--cli-auto-prompt", "--no-cli-auto-prompt", "--cli-input-json", "--cli-input-yaml",
              "--generate-cli-skeleton"}
PAGING = {"--starting-token", "--page-size", "--max-items"}
# Arguments the AWS CLI adds to specific commands (awscli/customizations/awslambda.py).
CLI_CUSTOM = {"CreateFunction": {"--zip-file"}, "UpdateFunctionCode": {"--zip-file"}}


def kebab(member: str) -> str:
    return "--" + xform(member).replace("_", "-")


def cli_commands(block: Block) -> list[list[str]]:
    """`aws lambda ...` commands of a bash block, continuation lines joined, comments dropped."""
    text = block.code.replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("$ "):
            line = line[2:]
        if not line.startswith("aws "):
            continue
        words = shlex.split(line, comments=True)
        # Stop at shell plumbing.
        cut = next((i for i, w in enumerate(words) if w in ("|", ">", "&&", ";", "||")), len(words))
        out.append(words[:cut])
    return out


def check_cli(words: list[str]) -> list[str]:
    """`aws <service> <command> --flags`: the command and every flag against the botocore model."""
    from botocore.session import get_session

    session = get_session()
    service = words[1]
    if service not in session.get_available_services():
        return [f"`aws {service}` is not a service this botocore knows"]
    model = session.get_service_model(service)
    op_name = {xform(o): o for o in model.operation_names}.get(words[2].replace("-", "_"))
    if op_name is None:
        return [f"no {service} operation for `aws {service} {words[2]}`"]
    shape = model.operation_model(op_name).input_shape
    members = {kebab(m): m for m in shape.members} if shape else {}
    allowed = set(members) | CLI_GLOBAL | CLI_CUSTOM.get(op_name, set())
    if op_name in session.get_paginator_model(service)._paginator_config:
        allowed |= PAGING
    # Boolean members also have a --no- form.
    allowed |= {"--no-" + f[2:] for f, m in members.items() if shape.members[m].type_name == "boolean"}
    flags = [w.split("=", 1)[0] for w in words[3:] if w.startswith("--")]
    problems = [f"`{f}` is not a parameter of {service} {op_name}" for f in flags if f not in allowed]
    required = {kebab(m) for m in (shape.required_members if shape else [])}
    if "--zip-file" in flags:
        required.discard("--code")
    problems += [f"{service} {op_name} requires {r}" for r in sorted(required - set(flags))]
    return problems


BASH = [b for b in ALL if b.lang == "bash" and "aws " in b.code]


@pytest.mark.parametrize("block", BASH, ids=ids(BASH))
def test_aws_cli_commands_exist_in_botocore(block: Block) -> None:
    problems = []
    for words in cli_commands(block):
        if len(words) < 3:
            continue
        problems += check_cli(words)
    assert not problems, f"{block.where}: " + "; ".join(problems)


def boto3_calls(code: str) -> list[tuple[str, str, list[str], int]]:
    """(service, method, keyword names, line) for calls on names bound to boto3.client(...)."""
    tree = ast.parse(code)
    clients: dict[str, str] = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "client"
                and node.value.args and isinstance(node.value.args[0], ast.Constant)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    clients[target.id] = str(node.value.args[0].value)
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id in clients):
            kws = [k.arg for k in node.keywords if k.arg]
            if node.func.attr == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                kws = ["__paginator__", str(node.args[0].value)]
            calls.append((clients[node.func.value.id], node.func.attr, kws, node.lineno))
    return calls


PY_AWS = [b for b in PY_BLOCKS if "boto3.client(" in b.code]


def test_guides_show_boto3_calls() -> None:
    assert len(PY_AWS) >= 3


@pytest.mark.parametrize("block", PY_AWS, ids=ids(PY_AWS))
def test_boto3_calls_exist_in_botocore(block: Block) -> None:
    from botocore.session import get_session

    problems = []
    for service, method, kws, line in boto3_calls(block.code):
        model = get_session().get_service_model(service)
        ops = {xform(o): o for o in model.operation_names}
        if method == "get_paginator":
            if kws[1] not in ops or ops[kws[1]] not in get_session().get_paginator_model(service)._paginator_config:
                problems.append(f"+{line}: no paginator {kws[1]}")
            continue
        if method not in ops:
            problems.append(f"+{line}: {service} has no operation {method}")
            continue
        members = set(model.operation_model(ops[method]).input_shape.members)
        problems += [f"+{line}: {ops[method]} has no parameter {k}" for k in kws if k not in members]
    assert not problems, f"{block.where}: " + "; ".join(problems)


# ------------------------------------------------------------------ templates

YAML = [b for b in ALL if b.lang == "yaml" and "fragment" not in b.flags]


def test_guides_have_templates() -> None:
    assert any("AWS::Serverless-2016-10-31" in b.code for b in YAML)
    assert any("AWS::Lambda::Function" in b.code for b in YAML)


def sam_transform(text: str) -> dict[str, Any]:
    """Expand a SAM template offline with aws-sam-translator (local CodeUri -> an S3 URI)."""
    import os

    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    template = yaml_parse(text)
    for res in template.get("Resources", {}).values():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = "s3://example-bucket/code.zip"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return transform(template, {}, NoManagedPolicies())


@pytest.mark.slow
def test_yaml_templates_pass_cfn_lint(tmp_path: Path) -> None:
    """cfn-lint over every template as written and over each SAM template after the SAM transform."""
    cfn_lint = REPO_ROOT / ".venv" / "bin" / "cfn-lint"
    exe = str(cfn_lint) if cfn_lint.exists() else shutil.which("cfn-lint")
    assert exe, "cfn-lint is installed with the test extra"
    files = []
    for b in YAML:
        path = tmp_path / f"{b.topic}_{b.line}.yaml"
        path.write_text(b.code)
        files.append(path)
        if "AWS::Serverless-2016-10-31" in b.code:
            expanded = sam_transform(b.code)
            out = tmp_path / f"{b.topic}_{b.line}.sam-expanded.json"
            out.write_text(json.dumps(expanded, indent=1))
            files.append(out)
    proc = subprocess.run([exe, "--format", "parseable", "--regions", "us-east-1", "--", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_sam_durable_function_gets_managed_policy_version_and_alias() -> None:
    """What deployment-iac says SAM does with DurableConfig and AutoPublishAlias."""
    sam = next(b for b in YAML if "AWS::Serverless-2016-10-31" in b.code and "DurableConfig" in b.code)
    resources = sam_transform(sam.code)["Resources"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for res in resources.values():
        by_type.setdefault(res["Type"], []).append(res)
    fn = by_type["AWS::Lambda::Function"][0]["Properties"]
    assert fn["DurableConfig"]["ExecutionTimeout"] >= 1
    role = by_type["AWS::IAM::Role"][0]["Properties"]
    assert any(str(arn).endswith("service-role/AWSLambdaBasicDurableExecutionRolePolicy")
               for arn in role["ManagedPolicyArns"])
    assert by_type["AWS::Lambda::Version"] and by_type["AWS::Lambda::Alias"]


@pytest.mark.parametrize("command", [
    "aws lambda get-durable-execution-history --function-name f --execution-id abc",
    "aws lambda list-durable-executions --function-name f",
    "aws lambda send-durable-execution-callback-success --callback-id x --payload '{}'",
    "aws lambda get-durable-execution --arn x",
    "aws stepfunctions-durable describe --x y",
])
def test_cli_checker_rejects_commonly_published_mistakes(command: str) -> None:
    assert check_cli(shlex.split(command))


def test_boto3_checker_sees_wrong_operations_and_parameters() -> None:
    code = ('import boto3\nc = boto3.client("lambda")\n'
            'c.get_durable_execution_history(FunctionName="f", ExecutionId="e")\n'
            'c.list_durable_executions(FunctionName="f")\n')
    calls = boto3_calls(code)
    assert [(m, k) for _, m, k, _ in calls] == [("get_durable_execution_history", ["FunctionName", "ExecutionId"]),
                                                ("list_durable_executions", ["FunctionName"])]
    assert "list_durable_executions" not in operations()
    members = set(lambda_model().operation_model("GetDurableExecutionHistory").input_shape.members)
    assert not {"FunctionName", "ExecutionId"} & members

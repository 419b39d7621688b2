"""The sam and cdk methods: version checks, argument lists, outputs, replacement refusal, error messages.

The deploy steps run a fake CLI (a small script first on PATH, or in the project's node_modules/.bin
for cdk) that records its arguments; build/synth steps can be handed on to the real CLI
(tests/test_deploy_real_cli.py does that for sam build and cdk synth).
"""

import json
import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from test_deploy_direct import Recorder, copy_fixture, moto_url  # noqa: F401 - moto_url is a fixture

from lambda_durable_mcp.confine import ConfinementError
from lambda_durable_mcp.deploy import DeployError, deploy_project
from lambda_durable_mcp.deploy.iac import CDK_MIN, SAM_MIN, parse_version

ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders-fn:live"

FAKE_CLI = r'''#!{python}
"""Fake {name}: records its arguments; --version, build/synth and deploy behave as configured."""
import json, os, pathlib, shutil, sys

name = pathlib.Path(sys.argv[0]).name
args = sys.argv[1:]
with open(os.environ["FAKE_CLI_LOG"], "a") as log:
    log.write(json.dumps({{"cli": name, "args": args, "cwd": os.getcwd(),
                          "env": {{k: os.environ.get(k) for k in ("AWS_REGION", "CDK_DISABLE_VERSION_CHECK", "PATH")}}}}) + "\n")
prefix = "FAKE_" + name.upper() + "_"
if args == ["--version"]:
    print(os.environ.get(prefix + "VERSION", "0"))
    sys.exit(0)
real = os.environ.get(prefix + "REAL")
if real and args[0] != "deploy":
    os.execv(real, [real, *args])
if os.environ.get(prefix + args[0].upper() + "_FAIL"):
    print("working...")
    print(os.environ[prefix + args[0].upper() + "_FAIL"])
    sys.exit(1)
if name == "sam" and args[0] == "build":
    pathlib.Path(".aws-sam/build").mkdir(parents=True, exist_ok=True)
    shutil.copy("template.yaml", ".aws-sam/build/template.yaml")
    print("Build Succeeded")
elif name == "cdk" and args[0] == "synth":
    out = pathlib.Path("cdk.out")
    out.mkdir(exist_ok=True)
    template = json.loads(os.environ["FAKE_CDK_TEMPLATE"])
    (out / "Stack1.template.json").write_text(json.dumps(template))
    (out / "manifest.json").write_text(json.dumps({{"artifacts": {{"Stack1": {{
        "type": "aws:cloudformation:stack", "properties": {{"templateFile": "Stack1.template.json"}}}}}}}}))
elif name == "cdk" and args[0] == "deploy":
    target = args[args.index("--outputs-file") + 1]
    pathlib.Path(target).write_text(os.environ.get("FAKE_CDK_OUTPUTS", "{{}}"))
    print("Stack1: deploying... [1/1]")
    print("Stack1 | CREATE_COMPLETE | AWS::Lambda::Alias | LiveAlias")
else:
    print("Successfully created/updated stack - orders-stack")
'''


class FakeCli:
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.bin = tmp_path / "fake-bin"
        self.bin.mkdir()
        self.log = tmp_path / "fake-cli.jsonl"
        self.log.touch()
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("FAKE_CLI_LOG", str(self.log))
        monkeypatch.setenv("FAKE_SAM_VERSION", "SAM CLI, version 1.170.0")
        monkeypatch.setenv("FAKE_CDK_VERSION", "2.1148.1 (build fcf5e34)")
        # The fakes first; a real sam or cdk elsewhere on PATH would come after them.
        monkeypatch.setenv("PATH", f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}")

    def hide_real_clis(self) -> None:
        """PATH without any directory that holds a sam or cdk."""
        kept = [d for d in os.environ["PATH"].split(os.pathsep)
                if d and d != str(self.bin) and not any(shutil.which(n, path=d) for n in ("sam", "cdk"))]
        self.monkeypatch.setenv("PATH", os.pathsep.join(kept))

    def install(self, name: str, directory: Path | None = None) -> Path:
        target = (directory or self.bin) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(FAKE_CLI.format(python=sys.executable, name=name))
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return target

    def set(self, **env: str) -> None:
        for key, value in env.items():
            self.monkeypatch.setenv(key, value)

    def calls(self, cli: str | None = None) -> list[dict[str, Any]]:
        rows = [json.loads(line) for line in self.log.read_text().splitlines()]
        return [r for r in rows if cli is None or r["cli"] == cli]

    def subcommands(self) -> list[str]:
        return [f"{r['cli']} {r['args'][0]}" for r in self.calls()]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCli:
    return FakeCli(tmp_path, monkeypatch)


def _stack(aws: Recorder, name: str, resources: dict[str, Any] | None = None) -> None:
    template = {"Resources": resources or {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {"OrdersFunctionAliasArn": {"Value": ALIAS_ARN}, "Other": {"Value": "x"}}}
    aws.clients.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))


def deploy(project: Path, aws: Recorder, steps: list[str] | None = None, **kwargs: Any) -> Any:
    """The sam/cdk runners under test; the pre-flight has its own tests (test_deploy_preflight.py)."""
    kwargs.setdefault("region", "us-east-1")
    kwargs.setdefault("force", True)
    return deploy_project(project, aws.clients, progress=(steps.append if steps is not None else print), **kwargs)


# --- SAM ------------------------------------------------------------------------------------------

def test_sam_builds_deploys_and_returns_the_alias_from_the_outputs(
    fake: FakeCli, moto_url: str, tmp_path: Path  # noqa: F811
) -> None:
    fake.install("sam")
    aws = Recorder(moto_url)
    project = copy_fixture("sam-python", tmp_path)
    _stack(aws, "orders-stack")  # what the (fake) deploy would have left in CloudFormation
    steps: list[str] = []

    result = deploy(project, aws, steps, stack_name="orders-stack")

    assert result.method == "sam" and result.stacks == ["orders-stack"]
    assert (result.qualified_arn, result.alias) == (ALIAS_ARN, "live")
    assert result.outputs["OrdersFunctionAliasArn"] == ALIAS_ARN
    assert ALIAS_ARN in result.invoke_command
    build, deploy_call = fake.calls("sam")[1:]
    assert build["args"] == ["build", "--template-file", "template.yaml"]
    assert build["cwd"] == str(project)
    assert deploy_call["args"] == [
        "deploy", "--template-file", ".aws-sam/build/template.yaml", "--stack-name", "orders-stack",
        "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND", "--no-confirm-changeset",
        "--no-fail-on-empty-changeset", "--resolve-s3", "--region", "us-east-1"]
    assert deploy_call["env"]["AWS_REGION"] == "us-east-1"
    assert "Build Succeeded" in steps and any("Successfully created/updated stack" in s for s in steps)


def test_sam_finds_the_projects_esbuild_and_reads_its_samconfig(
    fake: FakeCli, moto_url: str, tmp_path: Path  # noqa: F811
) -> None:
    fake.install("sam")
    aws = Recorder(moto_url)
    project = copy_fixture("sam-python", tmp_path)
    (project / "node_modules" / ".bin").mkdir(parents=True)  # where `npm install` puts esbuild
    (project / "samconfig.toml").write_text(
        'version = 0.1\n[default.deploy.parameters]\nstack_name = "config-stack"\ns3_bucket = "deploy-bucket"\n')
    _stack(aws, "config-stack")
    deploy(project, aws, [])
    build, deploy_call = fake.calls("sam")[1:]
    # sam build's esbuild builder finds esbuild on PATH only
    assert build["env"]["PATH"].split(os.pathsep)[0] == str(project / "node_modules" / ".bin")
    # with --template-file in .aws-sam/build, sam would not find the project's samconfig (and its bucket)
    config = deploy_call["args"].index("--config-file")
    assert deploy_call["args"][config + 1] == str((project / "samconfig.toml").resolve())
    assert "--resolve-s3" not in deploy_call["args"]


def test_sam_refuses_to_replace_an_existing_non_durable_function(
    fake: FakeCli, moto_url: str, tmp_path: Path  # noqa: F811
) -> None:
    fake.install("sam")
    aws = Recorder(moto_url)
    _stack(aws, "legacy-stack", {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": json.loads(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},'
            '"Action":"sts:AssumeRole"}]}')}},
        "OrdersFunction": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.11", "Handler": "app.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return event\n"}}},
    })

    with pytest.raises(DeployError) as refused:
        deploy(copy_fixture("sam-python", tmp_path), aws, stack_name="legacy-stack")

    message = str(refused.value)
    assert "legacy-stack already has function" in message and "OrdersFunction" in message
    assert "without DurableConfig" in message and "replace" in message and "Nothing was deployed" in message
    assert fake.subcommands() == ["sam --version", "sam build"], "deploy must not run"


@pytest.mark.parametrize(("version", "ok"), [("SAM CLI, version 1.153.1", True), ("SAM CLI, version 1.153.0", False),
                                             ("SAM CLI, version 1.99.0", False)])
def test_sam_version_is_checked(fake: FakeCli, moto_url: str, tmp_path: Path, version: str, ok: bool) -> None:  # noqa: F811
    fake.install("sam")
    fake.set(FAKE_SAM_VERSION=version)
    aws = Recorder(moto_url)
    stack = f"v-stack-{version.rsplit(' ', 1)[-1].replace('.', '-')}"
    _stack(aws, stack)
    project = copy_fixture("sam-python", tmp_path)
    if ok:
        assert deploy(project, aws, stack_name=stack).qualified_arn == ALIAS_ARN
    else:
        with pytest.raises(DeployError, match=r"too old for durable functions \(needs 1\.153\.1.*pip install --upgrade aws-sam-cli"):
            deploy(project, aws, stack_name=stack)


def test_missing_cli_says_how_to_install(fake: FakeCli, moto_url: str, tmp_path: Path) -> None:  # noqa: F811
    aws = Recorder(moto_url)
    fake.hide_real_clis()
    with pytest.raises(DeployError, match="sam CLI is not installed.*pip install --upgrade aws-sam-cli"):
        deploy(copy_fixture("sam-python", tmp_path), aws)
    cdk_project = copy_fixture("cdk-ts", tmp_path)
    with pytest.raises(DeployError, match="node_modules is missing: run `npm ci`"):
        deploy(cdk_project, aws)
    (cdk_project / "node_modules").mkdir()
    with pytest.raises(DeployError, match="cdk CLI is not installed.*npm install --save-dev aws-cdk"):
        deploy(cdk_project, aws)


def test_cdk_cli_versions_compare_as_numbers() -> None:
    assert parse_version("2.1148.1 (build fcf5e34)") == (2, 1148, 1)
    assert parse_version("2.1148.1") >= CDK_MIN > parse_version("2.236.9")  # type: ignore[operator]
    assert "2.1148.1" < "2.237.1", "as strings the new CLI numbering would look older"
    assert parse_version("SAM CLI, version 1.170.0") >= SAM_MIN  # type: ignore[operator]


def test_stack_name_that_looks_like_a_flag_is_refused(fake: FakeCli, moto_url: str, tmp_path: Path) -> None:  # noqa: F811
    fake.install("sam")
    with pytest.raises(ConfinementError, match="starts with '-'"):
        deploy(copy_fixture("sam-python", tmp_path), Recorder(moto_url), stack_name="--force-upload")
    assert fake.subcommands() == [], "refused before any command runs"


# --- CDK ------------------------------------------------------------------------------------------

DURABLE_TEMPLATE = {"Resources": {"OrdersFunction": {"Type": "AWS::Lambda::Function", "Properties": {
    "DurableConfig": {"ExecutionTimeout": 3600}, "Runtime": "nodejs22.x", "Handler": "index.handler"}}}}


def _cdk_project(fake: FakeCli, tmp_path: Path) -> Path:
    project = copy_fixture("cdk-ts", tmp_path)
    fake.install("cdk", project / "node_modules" / ".bin")  # the project's own CLI wins over PATH
    fake.set(FAKE_CDK_TEMPLATE=json.dumps(DURABLE_TEMPLATE),
             FAKE_CDK_OUTPUTS=json.dumps({"Stack1": {"OrdersAliasArn": ALIAS_ARN}}))
    return project


def test_cdk_synthesizes_deploys_and_reads_the_outputs_file(
    fake: FakeCli, moto_url: str, tmp_path: Path  # noqa: F811
) -> None:
    project = _cdk_project(fake, tmp_path)
    steps: list[str] = []

    result = deploy(project, Recorder(moto_url), steps, method="auto")

    assert result.method == "cdk" and result.stacks == ["Stack1"]
    assert result.qualified_arn == ALIAS_ARN and result.outputs == {"OrdersAliasArn": ALIAS_ARN}
    synth, deploy_call = fake.calls("cdk")[1:]
    assert synth["args"] == ["synth", "--quiet", "--no-notices", "--output", "cdk.out"]
    assert deploy_call["args"] == [
        "deploy", "--app", "cdk.out", "--require-approval", "never", "--no-notices", "--progress", "events",
        "--outputs-file", "cdk.out/durable-deploy-outputs.json", "Stack1"]
    assert deploy_call["env"]["CDK_DISABLE_VERSION_CHECK"] == "1"
    assert any("CREATE_COMPLETE" in s for s in steps)


def test_cdk_method_on_a_project_without_cdk_json_says_which_method_fits(tmp_path: Path) -> None:
    project = copy_fixture("sam-python", tmp_path)
    with pytest.raises(DeployError, match=r"No cdk.json .* method='sam'"):
        deploy_project(project, None, method="cdk", force=True)


def test_cdk_unknown_stack_name(fake: FakeCli, moto_url: str, tmp_path: Path) -> None:  # noqa: F811
    project = _cdk_project(fake, tmp_path)
    with pytest.raises(DeployError, match="no stack 'Nope'; it has: Stack1"):
        deploy(project, Recorder(moto_url), stack_name="Nope")


@pytest.mark.parametrize(("output", "expected"), [
    ("current credentials could not be used to assume 'arn:aws:iam::1:role/cdk-hnb659fds-deploy-role', "
     "but are for the right account. Proceeding anyway.\nDurableOrdersStack: SSM parameter /cdk-bootstrap/hnb659fds/"
     "version not found. Has the environment been bootstrapped? Please run 'cdk bootstrap'",
     "run `cdk bootstrap` once"),
    ("Unable to resolve AWS account to use. It must be either configured when you define your CDK Stack, or "
     "through the environment\nNeed to perform AWS calls for account 123456789012, but no credentials have been "
     "configured", "aws sso login"),
    ("User: arn:aws:iam::123456789012:user/dev is not authorized to perform: cloudformation:CreateChangeSet on "
     "resource: arn:aws:cloudformation:us-east-1:123456789012:stack/x/*",
     "may not perform cloudformation:CreateChangeSet"),
    ("Resource handler returned message: \"Invocation of a durable function requires qualified function "
     "identifier\"", "invoke NAME:ALIAS"),
    ("Error: Stack:arn:aws:cloudformation:us-east-1:123456789012:stack/orders/1 is in ROLLBACK_COMPLETE state and "
     "can not be updated.", "this tool never deletes"),
    ("UPDATE_FAILED | AWS::Lambda::Function | OrdersFunction CloudFormation cannot update a stack when a "
     "custom-named resource requires replacing. Rename orders and update the stack again.",
     "Lambda enables durable execution only when a function is created"),
])
def test_cdk_failures_become_messages_with_fixes(
    fake: FakeCli, moto_url: str, tmp_path: Path, output: str, expected: str  # noqa: F811
) -> None:
    project = _cdk_project(fake, tmp_path)
    fake.set(FAKE_CDK_DEPLOY_FAIL=output)
    with pytest.raises(DeployError) as failed:
        deploy(project, Recorder(moto_url))
    message = str(failed.value)
    assert message.startswith("cdk deploy failed.") and expected in message, message
    assert output.splitlines()[-1][:60] in message  # the CLI's own words stay visible


def test_progress_callback_errors_do_not_break_a_run(fake: FakeCli, moto_url: str, tmp_path: Path) -> None:  # noqa: F811
    project = _cdk_project(fake, tmp_path)

    def broken(message: str) -> None:
        if "CREATE_COMPLETE" in message:
            raise RuntimeError("client went away")

    result = deploy_project(project, Recorder(moto_url).clients, region="us-east-1", force=True, progress=broken)
    assert result.qualified_arn == ALIAS_ARN


def test_a_template_without_durable_config_is_refused_unless_forced(
    fake: FakeCli, moto_url: str, tmp_path: Path  # noqa: F811
) -> None:
    fake.install("sam")
    aws = Recorder(moto_url)
    _stack(aws, "plain-stack")
    project = copy_fixture("sam-python", tmp_path)
    template = project / "template.yaml"
    text = template.read_text()
    start = text.index("      DurableConfig:")
    template.write_text(text[:start] + text[text.index("\n\nOutputs:"):])

    # the pre-flight names the function whose durable handler lacks DurableConfig, with the fix
    with pytest.raises(DeployError, match=r"template.yaml:\d+ DUR050 \w+ has no DurableConfig, but its handler "
                                          r"src/app.py:handler is a durable function"):
        deploy(project, aws, stack_name="plain-stack", force=False)
    assert "sam deploy" not in fake.subcommands()
    forced = deploy(project, aws, stack_name="plain-stack", force=True)
    assert any("declares DurableConfig" in note for note in forced.notes)


def test_the_alias_output_is_preferred_and_latest_is_never_returned(tmp_path: Path) -> None:
    from lambda_durable_mcp.deploy.iac import IacResult, _fill_function

    base = "arn:aws:lambda:us-east-1:123456789012:function:orders"
    picked = _fill_function(IacResult("sam", ["s"], {
        "Latest": f"{base}:$LATEST", "Version": f"{base}:7", "Alias": f"{base}:live", "Name": "orders"}), tmp_path)
    assert (picked.qualified_arn, picked.alias, picked.function_arn) == (f"{base}:live", "live", base)
    only_latest = _fill_function(IacResult("sam", ["s"], {"Latest": f"{base}:$LATEST", "Plain": base}), tmp_path)
    assert only_latest.qualified_arn == "" and "No stack output holds a qualified function ARN" in only_latest.notes[0]


def test_durable_functions_are_found_in_templates_with_short_tags_and_globals() -> None:
    from lambda_durable_mcp.analyzer.templates.loader import load_yaml
    from lambda_durable_mcp.deploy.iac import durable_functions, durable_logical_ids, function_durable_configs

    template = load_yaml("""
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    DurableConfig: {ExecutionTimeout: 900}
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: {Role: !GetAtt R.Arn, CodeUri: !Sub "${AWS::StackName}"}
  B:
    Type: AWS::Lambda::Function
    Properties: {Role: !Ref R}
  C:
    Type: AWS::Lambda::Function
    Properties: {DurableConfig: {ExecutionTimeout: !Ref Timeout}}
  OptedOut:
    Type: AWS::Serverless::Function
    Properties: {DurableConfig: !Ref AWS::NoValue}
  PlainOptedOut:
    Type: AWS::Lambda::Function
    Properties: {DurableConfig: !Ref AWS::NoValue}
  Either:
    Type: AWS::Lambda::Function
    Properties: {DurableConfig: !If [Prod, {ExecutionTimeout: 60}, !Ref AWS::NoValue]}
  Both:
    Type: AWS::Lambda::Function
    Properties: {DurableConfig: !If [Prod, {ExecutionTimeout: 60}, {ExecutionTimeout: 90}]}
  Never:
    Type: AWS::Lambda::Function
    Properties: {DurableConfig: !If [Prod, !Ref AWS::NoValue, !Ref AWS::NoValue]}
  Odd:
    Type: AWS::Lambda::Function
    Properties: !If [Prod, {}, {}]
  IgnoresAll:
    Type: AWS::Serverless::Function
    IgnoreGlobals: "*"
  IgnoresDurable:
    Type: AWS::Serverless::Function
    IgnoreGlobals: [DurableConfig]
  IgnoresOther:
    Type: AWS::Serverless::Function
    IgnoreGlobals: [Runtime]
  Merged:
    Type: AWS::Serverless::Function
    Properties: {DurableConfig: {RetentionPeriodInDays: 3}}
""")
    assert durable_functions(template) == {"A": "yes", "C": "yes", "Either": "maybe", "Both": "yes",
                                           "IgnoresOther": "yes", "Merged": "yes"}
    # SAM merges a Globals map into the function's, the function's keys winning (the analyzer's reading)
    assert function_durable_configs(template)["Merged"] == {"ExecutionTimeout": 900, "RetentionPeriodInDays": 3}
    assert durable_logical_ids({"Resources": {"B": {"Type": "AWS::Serverless::Function"}}}) == set()
    # shapes a template should not have, but may: no crash, nothing durable
    for odd in ({"Globals": "x", "Resources": ["a"]}, {"Resources": {"F": "x"}}, {"Resources": {"F": {
            "Type": "AWS::Serverless::Function", "Properties": ["DurableConfig"]}}}):
        assert durable_logical_ids(odd) == set()


def test_old_cdk_cli_or_library_is_refused_with_the_upgrade_command(
    fake: FakeCli, moto_url: str, tmp_path: Path  # noqa: F811
) -> None:
    project = _cdk_project(fake, tmp_path)
    fake.set(FAKE_CDK_VERSION="2.236.0 (build 1a2b3c4)")
    with pytest.raises(DeployError, match=r"cdk 2\.236\.0 is too old .*npm install --save-dev aws-cdk@latest"):
        deploy(project, Recorder(moto_url))

    fake.set(FAKE_CDK_VERSION="2.1148.1 (build fcf5e34)")
    lib = project / "node_modules" / "aws-cdk-lib"
    lib.mkdir(parents=True)
    (lib / "package.json").write_text(json.dumps({"name": "aws-cdk-lib", "version": "2.200.0"}))
    with pytest.raises(DeployError, match=r"aws-cdk-lib 2\.200\.0 has no durableConfig"):
        deploy(project, Recorder(moto_url))
    assert "cdk synth" not in fake.subcommands()


# --- templates as infrastructure engineers write them (trial findings) ----------------------------

def _non_durable(logical_id: str) -> dict[str, Any]:
    """A role and a function without DurableConfig: what an earlier deploy left in the stack."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    return {f"{logical_id}Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust}},
            logical_id: {"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": "nodejs20.x", "Handler": "index.handler", "Role": {"Fn::GetAtt": [f"{logical_id}Role", "Arn"]},
                "Code": {"ZipFile": "exports.handler = async () => 1;\n"}}}}


def _sam_project(tmp_path: Path, template: str, name: str = "app", **files: str) -> Path:
    project = tmp_path / name
    project.mkdir()
    (project / "template.yaml").write_text(template)
    for relative, text in files.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text)
    return project


OPTED_OUT = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs22.x
    Handler: index.handler
    AutoPublishAlias: live
    DurableConfig:
      ExecutionTimeout: 3600
Resources:
  Workflow:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler=async()=>1"
  PlainApi:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler=async()=>1"
      DurableConfig: !Ref AWS::NoValue
      Runtime: nodejs20.x
"""


def test_a_function_opted_out_of_globals_is_not_durable_and_its_update_is_not_refused(
    fake: FakeCli, moto_url: str, tmp_path: Path  # noqa: F811
) -> None:
    """`DurableConfig: !Ref AWS::NoValue` drops the Globals DurableConfig: CloudFormation replaces nothing."""
    fake.install("sam")
    aws = Recorder(moto_url)
    _stack(aws, "opted-out-stack", _non_durable("PlainApi"))  # what the first deploy left
    result = deploy(_sam_project(tmp_path, OPTED_OUT), aws, stack_name="opted-out-stack")
    assert result.qualified_arn == ALIAS_ARN
    assert "sam deploy" in fake.subcommands()


def test_a_conditional_durable_config_on_an_existing_function_is_a_note_not_a_refusal(
    fake: FakeCli, moto_url: str, tmp_path: Path  # noqa: F811
) -> None:
    fake.install("sam")
    aws = Recorder(moto_url)
    _stack(aws, "maybe-stack", _non_durable("PlainApi"))
    template = OPTED_OUT.replace("DurableConfig: !Ref AWS::NoValue",
                                 "DurableConfig: !If [IsProd, {ExecutionTimeout: 60}, !Ref AWS::NoValue]")
    result = deploy(_sam_project(tmp_path, template), aws, stack_name="maybe-stack")
    (note,) = [n for n in result.notes if "PlainApi" in n]
    assert "is an intrinsic: if it yields a DurableConfig, CloudFormation replaces the function" in note


NESTED_PARENT = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Child:
    Type: AWS::Serverless::Application
    Properties:
      Location: child/template.yaml
"""
NESTED_CHILD = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Workflow:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: "exports.handler=async()=>1"
      AutoPublishAlias: live
      DurableConfig:
        ExecutionTimeout: 3600
"""


def test_durable_functions_in_a_nested_application_count(fake: FakeCli, moto_url: str, tmp_path: Path) -> None:  # noqa: F811
    fake.install("sam")
    aws = Recorder(moto_url)
    _stack(aws, "nested-stack")
    project = _sam_project(tmp_path, NESTED_PARENT, **{"child/template.yaml": NESTED_CHILD})
    result = deploy(project, aws, stack_name="nested-stack", force=False)
    assert result.qualified_arn == ALIAS_ARN and "sam deploy" in fake.subcommands()


def test_nested_templates_are_read_where_sam_build_writes_them(tmp_path: Path) -> None:
    """sam build 1.170 writes .aws-sam/build/Child/template.yaml and points Location at it."""
    from lambda_durable_mcp.deploy.iac import load_template, scan_template

    built = tmp_path / ".aws-sam" / "build"
    (built / "Child").mkdir(parents=True)
    (built / "template.yaml").write_text(NESTED_PARENT.replace("child/template.yaml", "Child/template.yaml")
                                         + "    Metadata:\n      SamResourceId: Child\n")
    (built / "Child" / "template.yaml").write_text(NESTED_CHILD)
    scan = scan_template(load_template(built / "template.yaml"), built, tmp_path, also=tmp_path)
    assert scan.has_durable() and scan.nested["Child"].functions == {"Workflow": "yes"} and not scan.unread
    outside = tmp_path.parent / "elsewhere.yaml"
    outside.write_text(NESTED_CHILD)
    escaped = scan_template({"Resources": {"X": {"Type": "AWS::Serverless::Application", "Properties": {
        "Location": "../elsewhere.yaml"}}}}, tmp_path, tmp_path)
    assert escaped.unread == ["X"] and not escaped.has_durable()  # never a template from outside the project
    (tmp_path / "cdk.out").mkdir()
    (tmp_path / "cdk.out" / "Nested.nested.template.json").write_text(json.dumps(DURABLE_TEMPLATE))
    cdk = scan_template({"Resources": {"N": {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": {"Fn::Join": ["", ["https://s3.", {"Ref": "AWS::URLSuffix"}, "/x.json"]]}},
        "Metadata": {"aws:asset:path": "Nested.nested.template.json"}},
        "Odd": {"Type": "AWS::Serverless::Application", "Properties": {"Location": "a\x00b"}}}},
        tmp_path / "cdk.out", tmp_path)
    assert cdk.nested["N"].functions == {"OrdersFunction": "yes"} and cdk.unread == ["Odd"]


def test_a_nested_application_that_cannot_be_read_is_named_in_the_refusal(
    fake: FakeCli, moto_url: str, tmp_path: Path  # noqa: F811
) -> None:
    fake.install("sam")
    aws = Recorder(moto_url)
    template = NESTED_PARENT.replace("Location: child/template.yaml", "Location:\n        ApplicationId: "
                                     "arn:aws:serverlessrepo:us-east-1:123456789012:applications/app\n"
                                     "        SemanticVersion: 1.0.0")
    with pytest.raises(DeployError) as refused:
        deploy(_sam_project(tmp_path, template), aws, stack_name="sar-stack", force=False)
    message = str(refused.value)
    assert "nested application(s) Child could not be inspected" in message and "force=true" in message
    _stack(aws, "sar-stack")
    forced = deploy(_sam_project(tmp_path, template, name="forced"), aws, stack_name="sar-stack", force=True)
    assert any("Child not inspected" in note for note in forced.notes)


def test_replacement_in_a_nested_stack_is_refused(fake: FakeCli, moto_url: str, tmp_path: Path) -> None:  # noqa: F811
    import boto3

    fake.install("sam")
    aws = Recorder(moto_url)
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    s3.create_bucket(Bucket="nested-templates")
    s3.put_object(Bucket="nested-templates", Key="child.json",
                  Body=json.dumps({"Resources": _non_durable("Workflow")}).encode())
    _stack(aws, "nested-legacy", {"Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": "https://nested-templates.s3.amazonaws.com/child.json"}}})
    project = _sam_project(tmp_path, NESTED_PARENT, **{"child/template.yaml": NESTED_CHILD})
    with pytest.raises(DeployError) as refused:
        deploy(project, aws, stack_name="nested-legacy")
    message = str(refused.value)
    assert message.startswith("Refused: nested stack Child of stack") and "logical id Workflow" in message
    assert "sam deploy" not in fake.subcommands()


def test_no_template_shape_crashes_the_deploy_side_readers(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Intrinsics and shapes no valid template has, where the readers expect mappings: never an exception."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from lambda_durable_mcp.deploy.iac import durable_functions, scan_template, template_durable_config

    words = st.sampled_from(["Ref", "Fn::If", "Fn::Sub", "DurableConfig", "ExecutionTimeout", "RetentionPeriodInDays",
                             "AWS::NoValue", "Default", "Timeout", "Location", "TemplateURL", "child.json", "../x",
                             "aws:asset:path", "Function", "Properties", "Type", "Metadata"])
    leaves = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**9), st.floats(allow_nan=True), words)
    values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(words, inner, max_size=3), max_leaves=12)
    types = st.sampled_from(["AWS::Lambda::Function", "AWS::Serverless::Function", "AWS::Serverless::Application",
                             "AWS::CloudFormation::Stack", 7, None])
    resource = st.one_of(values, st.fixed_dictionaries({"Type": types}, optional={
        "Properties": st.one_of(values, st.dictionaries(words, values, max_size=3)), "Metadata": values}))
    template = st.one_of(values, st.fixed_dictionaries({}, optional={
        "Parameters": st.one_of(values, st.dictionaries(words, st.dictionaries(words, values), max_size=2)),
        "Globals": st.one_of(values, st.fixed_dictionaries({"Function": st.dictionaries(words, values)})),
        "Resources": st.one_of(values, st.dictionaries(st.sampled_from(["A", "B", "C"]), resource, max_size=3))}))
    root = tmp_path_factory.mktemp("shapes")
    (root / "child.json").write_text('{"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": '
                                     '{"DurableConfig": {"ExecutionTimeout": {"Fn::If": ["C", 1, 2]}}}}}}')

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(template)
    def check(document: Any) -> None:
        document = document if isinstance(document, dict) else {"Resources": document}
        durable_functions(document)
        scan_template(document, root, root)
        (root / "template.json").write_text(json.dumps(document))
        template_durable_config(root)

    check()


def test_nested_applications_naming_one_template_are_read_once(tmp_path: Path) -> None:
    """Several nested applications (or a template naming itself) must not make the scan exponential."""
    import time

    from lambda_durable_mcp.deploy.iac import load_template, scan_template

    apps = "".join(f"  App{i}:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: template.yaml\n"
                   for i in range(8))
    (tmp_path / "template.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + apps)
    started = time.monotonic()
    scan = scan_template(load_template(tmp_path / "template.yaml"), tmp_path, tmp_path)
    assert time.monotonic() - started < 5  # was about a minute for 8
    assert set(scan.nested) == {f"App{i}" for i in range(8)} and not scan.has_durable()

"""deploy_durable_function(method="direct") and check_durable_deployment against moto's HTTP server.

moto drops DurableConfig (see FACTS.md). Two things make the tests still mean something: every
CreateFunction/UpdateFunctionConfiguration request is captured as serialized by botocore (the
``before-send`` hook) and asserted to carry DurableConfig, and the in-process moto server is taught
to keep the DurableConfig it was sent, as Lambda does, so that the update path and the check see it.
"""

import base64
import io
import json
import os
import shlex
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, TOOLCHAIN, tool_text

from lambda_durable_mcp.aws.session import AwsClients, AwsTarget
from lambda_durable_mcp.deploy import DeployError, check_deployment, deploy_project
from lambda_durable_mcp.deploy.direct import DURABLE_POLICY_ARN, TRUST_POLICY

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "deploy"
SERVICES = ("lambda", "iam", "sts", "cloudformation")


def _keep_durable_config() -> Any:
    """Make moto's Lambda keep DurableConfig like the real service; returns an undo function."""
    from moto.awslambda.models import LambdaFunction

    original_init, original_get, original_update = (
        LambdaFunction.__init__, LambdaFunction.get_configuration, LambdaFunction.update_configuration)

    def init(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        self.durable_config = spec.get("DurableConfig")

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = original_get(self, *args, **kwargs)
        if getattr(self, "durable_config", None):
            config["DurableConfig"] = self.durable_config
        return config

    def update_configuration(self: Any, updates: dict[str, Any]) -> dict[str, Any]:
        if "DurableConfig" in updates:
            self.durable_config = updates["DurableConfig"]
        return original_update(self, updates)

    LambdaFunction.__init__ = init
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration

    def undo() -> None:
        LambdaFunction.__init__ = original_init
        LambdaFunction.get_configuration = original_get
        LambdaFunction.update_configuration = original_update

    return undo


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    previous = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    undo = _keep_durable_config()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        undo()
        if previous is None:
            os.environ.pop("MOTO_IAM_LOAD_MANAGED_POLICIES", None)
        else:
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = previous


class Recorder:
    """Clients pointed at moto that remember every serialized Lambda request."""

    def __init__(self, url: str) -> None:
        self.clients = AwsClients(AwsTarget(region="us-east-1", endpoint_urls=tuple((s, url) for s in SERVICES)))
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.clients.client("lambda").meta.events.register("before-send.lambda", self._record)

    def _record(self, request: Any, **_: Any) -> None:
        body = request.body
        if isinstance(body, bytes | bytearray) and body[:1] == b"{":
            payload = json.loads(body)
        else:
            payload = {}
        self.requests.append((f"{request.method} {request.url.split('/2015-03-31', 1)[-1]}", payload))

    def bodies(self, method: str, suffix: str) -> list[dict[str, Any]]:
        return [body for line, body in self.requests
                if line.startswith(method) and line.split("?")[0].endswith(suffix)]


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def test_direct_creates_role_function_version_alias_then_updates(moto_url: str, tmp_path: Path) -> None:
    project = copy_fixture("python-direct", tmp_path)
    aws = Recorder(moto_url)
    steps: list[str] = []

    first = deploy_project(project, aws.clients, method="direct", function_name="orders-durable",
                           execution_timeout=7200, retention_days=30, progress=steps.append)

    assert first.method == "direct"
    assert first.qualified_arn.endswith(":function:orders-durable:live")
    assert first.function_arn == first.qualified_arn.rsplit(":", 1)[0]
    assert (first.version, first.alias) == ("1", "live")
    assert first.qualified_arn in first.invoke_command and first.invoke_command.startswith("aws lambda invoke")
    assert any("pip install" in s for s in steps) and any("creating function" in s for s in steps)

    # What AWS would have received: DurableConfig on CreateFunction, with the handler we found.
    (create,) = aws.bodies("POST", "/functions")
    assert create["DurableConfig"] == {"ExecutionTimeout": 7200, "RetentionPeriodInDays": 30}
    assert create["Runtime"] == "python3.13" and create["Handler"] == "handler.process_order"
    package = zipfile.ZipFile(io.BytesIO(base64.b64decode(create["Code"]["ZipFile"])))
    names = set(package.namelist())
    assert {"handler.py", "six.py"} <= names, names  # the requirement was installed into the zip
    assert not any(n.startswith(("tests/", ".venv/")) or n.endswith(".pyc") for n in names)

    iam = aws.clients.client("iam")
    role = iam.get_role(RoleName="orders-durable-durable-role")["Role"]
    assert json.loads(TRUST_POLICY)["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [DURABLE_POLICY_ARN]
    lam = aws.clients.client("lambda")
    assert lam.get_function_configuration(FunctionName="orders-durable")["Role"] == role["Arn"]
    assert lam.get_alias(FunctionName="orders-durable", Name="live")["FunctionVersion"] == "1"

    # Second run: same function updated in place, a new version, the alias moved.
    (project / "handler.py").write_text((project / "handler.py").read_text().replace("charged-", "paid-"))
    second = deploy_project(project, aws.clients, method="direct", function_name="orders-durable")
    assert (second.version, second.qualified_arn) == ("2", first.qualified_arn)
    assert "Updated the existing function in place." in second.notes
    assert len(aws.bodies("POST", "/functions")) == 1, "the second run must not create another function"
    (update,) = aws.bodies("PUT", "/configuration")
    # Settings kept from the existing DurableConfig when not given again.
    assert update["DurableConfig"] == {"ExecutionTimeout": 7200, "RetentionPeriodInDays": 30}
    assert lam.get_alias(FunctionName="orders-durable", Name="live")["FunctionVersion"] == "2"
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName="orders-durable")["Versions"]]
    assert versions == ["$LATEST", "1", "2"]


def test_direct_bundles_typescript_with_esbuild(moto_url: str, tmp_path: Path) -> None:
    project = copy_fixture("ts-direct", tmp_path)
    (project / "node_modules").symlink_to(TOOLCHAIN / "node_modules", target_is_directory=True)
    aws = Recorder(moto_url)

    result = deploy_project(project, aws.clients, method="direct")

    assert result.qualified_arn.endswith(":function:greeter-durable:live")
    (create,) = aws.bodies("POST", "/functions")
    assert create["Handler"] == "index.handler" and create["Runtime"] == "nodejs22.x"
    assert create["DurableConfig"]["ExecutionTimeout"] == 3600
    package = zipfile.ZipFile(io.BytesIO(base64.b64decode(create["Code"]["ZipFile"])))
    assert package.namelist() == ["index.js"]
    bundle = package.read("index.js").decode()
    assert "withDurableExecution" in bundle and "hello " in bundle  # SDK and handler bundled together


def test_plain_javascript_ships_without_its_dev_dependencies(moto_url: str, tmp_path: Path) -> None:
    project = tmp_path / "js-app"
    (project / "src").mkdir(parents=True)
    (project / "src" / "handler.js").write_text(
        'const { withDurableExecution } = require("@aws/durable-execution-sdk-js");\n'
        "exports.handler = withDurableExecution(async (event, context) => context.step(\"one\", async () => 1));\n")
    (project / "package.json").write_text('{"name": "js-app", "main": "src/handler.js"}')
    (project / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3, "packages": {
        "": {"name": "js-app"},
        "node_modules/@aws/durable-execution-sdk-js": {"version": "2.4.0"},
        "node_modules/jest": {"version": "30.0.0", "dev": True},
        "node_modules/jest/node_modules/chalk": {"version": "5.0.0", "dev": True},
    }}))
    for pkg in ("@aws/durable-execution-sdk-js", "jest", "jest/node_modules/chalk"):
        (project / "node_modules" / pkg).mkdir(parents=True)
        (project / "node_modules" / pkg / "index.js").write_text("module.exports = {};\n")
    aws = Recorder(moto_url)
    deploy_project(project, aws.clients, method="direct", function_name="js-app", force=True)
    (create,) = aws.bodies("POST", "/functions")
    names = zipfile.ZipFile(io.BytesIO(base64.b64decode(create["Code"]["ZipFile"]))).namelist()
    assert "src/handler.js" in names and "node_modules/@aws/durable-execution-sdk-js/index.js" in names
    assert not [n for n in names if n.startswith("node_modules/jest")]


def test_direct_takes_the_durable_config_the_template_declares(moto_url: str, tmp_path: Path) -> None:
    project = copy_fixture("python-direct", tmp_path)
    (project / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Handler: handler.handler\n      Runtime: python3.13\n"
        "      DurableConfig:\n        ExecutionTimeout: 604800\n        RetentionPeriodInDays: 7\n")
    aws = Recorder(moto_url)
    result = deploy_project(project, aws.clients, method="direct", function_name="templated")
    (create,) = aws.bodies("POST", "/functions")
    assert create["DurableConfig"] == {"ExecutionTimeout": 604800, "RetentionPeriodInDays": 7}
    assert "ExecutionTimeout 604800 and RetentionPeriodInDays 7 from template.yaml." in result.notes
    again = deploy_project(project, aws.clients, method="direct", function_name="templated", execution_timeout=900)
    assert "RetentionPeriodInDays 7 from template.yaml." in again.notes  # what is given wins


_HANDLER = ("from aws_durable_execution_sdk_python import DurableContext, durable_execution\n\n\n"
            "@durable_execution\ndef handler(event: dict, context: DurableContext) -> dict:\n    return event\n")
_CFN = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Timeout: {Type: Number, Default: 604800}
  Retention: {Type: Number}
Conditions:
  IsProd: !Equals [!Ref AWS::AccountId, "123"]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: handler.handler
      Role: arn:aws:iam::123456789012:role/x
      Code: src/
      DurableConfig: %s
  V:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Fn}
"""


def _cfn_project(tmp_path: Path, name: str, durable_config: str) -> Path:
    project = tmp_path / name
    project.mkdir()
    (project / "handler.py").write_text(_HANDLER)
    (project / "template.yaml").write_text(_CFN % durable_config)
    return project


def test_direct_reads_parameter_defaults_and_names_what_it_could_not_read(moto_url: str, tmp_path: Path) -> None:
    aws = Recorder(moto_url)
    project = _cfn_project(tmp_path, "param-app", "{ExecutionTimeout: !Ref Timeout, RetentionPeriodInDays: !Ref Retention}")
    result = deploy_project(project, aws.clients, method="direct", function_name="param-fn")
    (create,) = aws.bodies("POST", "/functions")
    assert create["DurableConfig"] == {"ExecutionTimeout": 604800, "RetentionPeriodInDays": 14}
    assert "ExecutionTimeout 604800 (the default of parameter Timeout) from template.yaml." in result.notes
    assert ("RetentionPeriodInDays of Fn in template.yaml was not read (it is !Ref Retention, a parameter without "
            "a literal default): used the default 14 days; pass retention_days to set it.") in result.notes
    (project / "template.yaml").write_text((project / "template.yaml").read_text().replace("604800", "40000000"))
    with pytest.raises(DeployError, match=r"ExecutionTimeout 40000000 \(the default of parameter Timeout\) of Fn "
                       r"in template.yaml is outside 1..31,622,400: fix the template, or pass execution_timeout"):
        deploy_project(project, aws.clients, method="direct", function_name="param-fn", force=True)


async def test_deploy_tool_with_a_conditional_durable_config_deploys_and_says_so(
    client_for: Any, workspace: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An intrinsic DurableConfig used to crash the tool ("Error executing tool")."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    _cfn_project(workspace, "if-app", "!If [IsProd, {ExecutionTimeout: 604800, RetentionPeriodInDays: 30}, "
                                      "{ExecutionTimeout: 300000, RetentionPeriodInDays: 30}]")
    _cfn_project(workspace, "ref-app", "!Ref Timeout")
    async with client_for(allow_write=True) as client:
        result = await client.call_tool("deploy_durable_function", {"project_dir": "if-app", "function_name": "if-fn"})
        by_ref = await client.call_tool("deploy_durable_function", {"project_dir": "ref-app", "function_name": "ref-fn"})
    for answer, why in ((result, "it depends on condition IsProd: 604800 or 300000"), (by_ref, "its DurableConfig is Ref")):
        assert not answer.is_error, tool_text(answer)
        out = answer.structured_content
        assert out is not None and out["qualified_arn"].endswith(":live")
        assert (f"ExecutionTimeout of Fn in template.yaml was not read ({why}): used the "
                "default 3600 s; pass execution_timeout to set it.") in out["notes"], out["notes"]
    assert "RetentionPeriodInDays 30 from template.yaml." in result.structured_content["notes"]  # same in both branches


def test_the_invoke_command_sends_the_projects_sample_event(moto_url: str, tmp_path: Path) -> None:
    project = copy_fixture("python-direct", tmp_path)
    (project / "events").mkdir()
    (project / "events" / "event.json").write_text('{\n  "orderId": "o-1",\n  "note": "it\'s here"\n}\n')
    result = deploy_project(project, Recorder(moto_url).clients, method="direct", function_name="evented")
    assert result.invoke_command.split(" --payload ")[1] == shlex.quote('{"orderId":"o-1","note":"it\'s here"}') + " response.json"


def test_nothing_from_outside_the_project_reaches_the_package_or_the_answer(moto_url: str, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text('{"aws_secret_access_key": "OutsideMarker"}')
    (outside / "evil.ts").write_text('// withDurableExecution\nexport const handler = () => "OutsideTsMarker";\n')
    from lambda_durable_mcp.deploy.direct import sample_payload

    project = copy_fixture("python-direct", tmp_path)
    (project / "events").mkdir()
    (project / "events" / "event.json").symlink_to(outside / "secret.json")
    assert sample_payload(project) == "{}"  # the invoke command never shows a file from outside
    aws = Recorder(moto_url)

    ts = copy_fixture("ts-direct", tmp_path)
    (ts / "node_modules").symlink_to(TOOLCHAIN / "node_modules", target_is_directory=True)
    manifest = json.loads((ts / "package.json").read_text())
    (ts / "package.json").write_text(json.dumps({**manifest, "main": "../outside/evil.js"}))
    deploy_project(ts, aws.clients, method="direct", function_name="main-outside")
    (create,) = [b for b in aws.bodies("POST", "/functions") if b["FunctionName"] == "main-outside"]
    bundle = zipfile.ZipFile(io.BytesIO(base64.b64decode(create["Code"]["ZipFile"]))).read("index.js").decode()
    assert "OutsideTsMarker" not in bundle and "withDurableExecution" in bundle


def test_direct_refuses_a_symlink_out_of_the_project_and_uploads_nothing(moto_url: str, tmp_path: Path) -> None:
    project = copy_fixture("python-direct", tmp_path)
    secret = tmp_path / "outside" / "credentials"
    secret.parent.mkdir()
    secret.write_text("aws_secret_access_key=FAKE\n")
    code_dir = next(p.parent for p in project.rglob("*.py") if "durable_execution" in p.read_text())
    (code_dir / "creds.txt").symlink_to(secret)
    aws = Recorder(moto_url)
    with pytest.raises(DeployError, match="symlink to .*outside"):
        deploy_project(project, aws.clients, method="direct", function_name="symlinked")
    assert aws.bodies("POST", "/functions") == []  # refused before any upload
    (code_dir / "creds.txt").unlink()
    os.mkfifo(code_dir / "pipe.py")  # skipped: reading it would block the deploy (and the server) forever
    assert deploy_project(project, aws.clients, method="direct", function_name="with-fifo").version == "1"
    (code_dir / "pipe.py").unlink()
    (code_dir / "dangling.txt").symlink_to(code_dir / "gone.txt")
    with pytest.raises(DeployError, match="broken symlink"):
        deploy_project(project, aws.clients, method="direct", function_name="symlinked")


def _hand_made_function(aws: Recorder, name: str, *, inline: dict[str, Any] | None = None,
                        runtime: str = "python3.12", **extra: Any) -> str:
    iam, lam = aws.clients.client("iam"), aws.clients.client("lambda")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]
    if inline:
        iam.put_role_policy(RoleName=f"{name}-role", PolicyName="inline", PolicyDocument=json.dumps(inline))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    spec: dict[str, Any] = {"Runtime": runtime, "Handler": "app.handler", "Code": {"ZipFile": buffer.getvalue()}}
    if extra.get("PackageType") == "Image":
        spec = {"Code": {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"}}
    lam.create_function(FunctionName=name, Role=role["Arn"], **{**spec, **extra})
    return str(role["Arn"])


def test_direct_refuses_to_touch_an_existing_non_durable_function(moto_url: str, tmp_path: Path) -> None:
    aws = Recorder(moto_url)
    _hand_made_function(aws, "legacy-orders")
    project = copy_fixture("python-direct", tmp_path)
    aws.requests.clear()

    with pytest.raises(DeployError) as refused:
        deploy_project(project, aws.clients, method="direct", function_name="legacy-orders")

    message = str(refused.value)
    assert "without DurableConfig" in message and "only" in message and "when a function is created" in message
    assert "Nothing was changed" in message and "legacy-orders-durable" in message
    lam = aws.clients.client("lambda")
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="legacy-orders")["Versions"]] == [
        "$LATEST"]
    assert lam.get_function_configuration(FunctionName="legacy-orders")["Handler"] == "app.handler"
    assert not [line for line, _ in aws.requests if line.startswith(("PUT", "POST", "DELETE"))]


def test_check_says_exactly_what_a_hand_made_function_lacks(moto_url: str) -> None:
    aws = Recorder(moto_url)
    role_arn = _hand_made_function(aws, "plain-fn")

    report = check_deployment(aws.clients, "plain-fn")

    assert not report.ok and not report.durable and report.role_arn == role_arn
    assert report.role_permissions == "missing"
    assert report.missing_actions == ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"]
    text = "\n".join(report.problems)
    assert "DurableConfig missing" in text and "only when a function is created" in text
    assert f"attach {DURABLE_POLICY_ARN}" in text and "--role-name plain-fn-role" in text
    assert "no alias or published version" in text
    assert len(report.problems) == 3
    # python3.12 runs the SDK only when the package bundles it, which the check cannot see: a note
    assert report.runtime_supported is None and "python3.13" in report.notes[0]
    assert "aws-durable-execution-sdk-python" in report.notes[0]


def test_check_reads_inline_policies_and_passes_a_good_deployment(moto_url: str, tmp_path: Path) -> None:
    aws = Recorder(moto_url)
    _hand_made_function(aws, "half-fn", inline={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["lambda:CheckpointDurable*"], "Resource": "*"}]})
    half = check_deployment(aws.clients, "half-fn")
    assert half.missing_actions == ["lambda:GetDurableExecutionState"]

    deploy_project(copy_fixture("python-direct", tmp_path), aws.clients, method="direct", function_name="good-fn")
    good = check_deployment(aws.clients, "good-fn", "live")
    assert good.ok, good.problems
    assert good.durable_config == {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 14}
    assert (good.role_permissions, good.versions, good.aliases) == ("ok", ["1"], ["live->1"])

    with pytest.raises(DeployError, match="No function missing-fn"):
        check_deployment(aws.clients, "missing-fn")


def test_check_names_an_explicit_deny_and_an_alias_on_latest(moto_url: str) -> None:
    aws = Recorder(moto_url)
    _hand_made_function(aws, "deny-fn", inline={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "lambda:GetDurableExecutionState", "Resource": "*"}]})
    aws.clients.client("iam").attach_role_policy(RoleName="deny-fn-role", PolicyArn=DURABLE_POLICY_ARN)
    aws.clients.client("lambda").create_alias(FunctionName="deny-fn", Name="live", FunctionVersion="$LATEST")
    report = check_deployment(aws.clients, "deny-fn")
    assert report.missing_actions == ["lambda:GetDurableExecutionState"]
    text = "\n".join(report.problems)
    assert "denies lambda:GetDurableExecutionState explicitly" in text and "remove that Deny" in text
    assert "attach-role-policy" not in text  # attaching cannot override a Deny
    assert "alias live points at $LATEST" in text and "update-alias" in text


def test_check_judges_runtimes_as_the_analyzer_does(moto_url: str) -> None:
    """java17+/dotnet8+ are durable runtimes; images and custom runtimes cannot be judged from the
    configuration (a note, not a problem); what DUR054 calls an error stays a problem."""
    aws = Recorder(moto_url)
    for name, runtime in (("rt-java", "java21"), ("rt-dotnet", "dotnet8"), ("rt-custom", "provided.al2023"),
                          ("rt-node20", "nodejs20.x"), ("rt-java11", "java11")):
        _hand_made_function(aws, name, runtime=runtime, DurableConfig={"ExecutionTimeout": 900})
    _hand_made_function(aws, "rt-image", PackageType="Image", DurableConfig={"ExecutionTimeout": 900})

    for name in ("rt-java", "rt-dotnet"):
        report = check_deployment(aws.clients, name)
        assert report.runtime_supported is True and not [p for p in report.problems if "runtime" in p], report
    for name, said in (("rt-custom", "custom or unknown runtime"), ("rt-image", "container image")):
        report = check_deployment(aws.clients, name)
        assert report.runtime_supported is None and not [p for p in report.problems if "runtime" in p]
        assert said in report.notes[0], report.notes
    node20 = check_deployment(aws.clients, "rt-node20")
    assert node20.runtime_supported is False
    assert "runtime nodejs20.x not supported: Runtime nodejs20.x is below Node.js 22" in node20.problems[0]
    assert "use nodejs22.x or nodejs24.x" in node20.problems[0]
    assert check_deployment(aws.clients, "rt-java11").runtime_supported is False


def test_check_reads_around_a_policy_document_that_is_not_json(moto_url: str) -> None:
    """moto's CloudFormation stores an inline role policy as a Python repr: unknown, not a crash."""
    aws = Recorder(moto_url)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    role = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": json.loads(TRUST_POLICY), "Policies": [{"PolicyName": "s3", "PolicyDocument": policy}]}}
    aws.clients.client("cloudformation").create_stack(StackName="repr-roles", TemplateBody=json.dumps({"Resources": {
        "WithManaged": {**role, "Properties": {**role["Properties"], "RoleName": "repr-managed"}},
        "InlineOnly": {**role, "Properties": {**role["Properties"], "RoleName": "repr-inline"}}}}))
    iam, lam = aws.clients.client("iam"), aws.clients.client("lambda")
    iam.attach_role_policy(RoleName="repr-managed", PolicyArn=DURABLE_POLICY_ARN)
    stored = iam.get_role_policy(RoleName="repr-inline", PolicyName="s3")["PolicyDocument"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    for function, role_name in (("repr-ok-fn", "repr-managed"), ("repr-unknown-fn", "repr-inline")):
        lam.create_function(FunctionName=function, Runtime="python3.13", Handler="app.handler",
                            Role=iam.get_role(RoleName=role_name)["Role"]["Arn"], Code={"ZipFile": buffer.getvalue()},
                            DurableConfig={"ExecutionTimeout": 900})
        lam.create_alias(FunctionName=function, Name="live", FunctionVersion=lam.publish_version(
            FunctionName=function)["Version"])

    ok = check_deployment(aws.clients, "repr-ok-fn")
    assert ok.ok and ok.role_permissions == "ok", ok.problems
    if not isinstance(stored, dict):  # moto's repr: the check must say it skipped the policy
        assert "inline policy s3 is not a JSON policy document" in ok.notes[0]
        unknown = check_deployment(aws.clients, "repr-unknown-fn")
        assert unknown.role_permissions == "unknown" and not unknown.ok
        assert "could not be read" in unknown.problems[0] and DURABLE_POLICY_ARN in unknown.problems[0]
    else:
        assert check_deployment(aws.clients, "repr-unknown-fn").role_permissions == "missing"


async def test_check_tool_answers_for_java_and_unreadable_policies(
    client_for: Any, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    aws = Recorder(moto_url)
    _hand_made_function(aws, "tool-java-fn", runtime="java21", DurableConfig={"ExecutionTimeout": 900})
    aws.clients.client("cloudformation").create_stack(StackName="tool-repr", TemplateBody=json.dumps({"Resources": {
        "R": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "tool-repr-role", "AssumeRolePolicyDocument": json.loads(TRUST_POLICY),
            "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}}]}}}}))
    aws.clients.client("lambda").create_function(
        FunctionName="tool-repr-fn", Runtime="nodejs22.x", Handler="index.handler", Code={"ZipFile": b"x"},
        Role=aws.clients.client("iam").get_role(RoleName="tool-repr-role")["Role"]["Arn"])
    async with client_for() as client:
        java = await client.call_tool("check_durable_deployment", {"function_name": "tool-java-fn"})
        unreadable = await client.call_tool("check_durable_deployment", {"function_name": "tool-repr-fn"})
    assert not java.is_error and java.structured_content is not None, tool_text(java)
    assert java.structured_content["runtime_supported"] is True
    assert not [p for p in java.structured_content["problems"] if "runtime" in p]
    assert not unreadable.is_error, tool_text(unreadable)
    assert unreadable.structured_content is not None and "role_permissions" in unreadable.structured_content


def test_required_actions_are_real_lambda_operations() -> None:
    import botocore.session

    from lambda_durable_mcp.deploy.check import REQUIRED_ACTIONS

    operations = botocore.session.get_session().get_service_model("lambda").operation_names
    assert all(action.split(":")[1] in operations for action in REQUIRED_ACTIONS)


# --- through the MCP server ---------------------------------------------------------------------

async def test_deploy_tool_refuses_without_allow_write(client_for: Any, workspace: Path) -> None:
    shutil.copytree(FIXTURES / "python-direct", workspace / "app")
    async with client_for() as client:
        result = await client.call_tool("deploy_durable_function", {"project_dir": "app"})
    assert result.is_error and "--allow-write" in tool_text(result)


async def test_deploy_tool_reports_progress_and_returns_the_qualified_arn(
    client_for: Any, workspace: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)  # every boto3 client of the server goes to moto
    shutil.copytree(FIXTURES / "python-direct", workspace / "app")
    progress: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    async with client_for(allow_write=True) as client:
        result = await client.call_tool("deploy_durable_function",
                                        {"project_dir": "app", "function_name": "tool-fn"},
                                        progress_callback=on_progress)
        assert not result.is_error, tool_text(result)
        out = result.structured_content
        assert out is not None and out["qualified_arn"].endswith(":function:tool-fn:live")
        assert out["version"] == "1" and "aws lambda invoke" in out["invoke_command"]
        assert progress and progress[0].startswith("pre-flight")

        checked = await client.call_tool("check_durable_deployment", {"function_name": "tool-fn"})
        assert checked.structured_content is not None and checked.structured_content["ok"], tool_text(checked)

        outside = await client.call_tool("deploy_durable_function", {"project_dir": "../elsewhere"})
        assert outside.is_error and "outside the workspace root" in tool_text(outside)


async def test_check_tool_on_a_hand_made_function(
    client_for: Any, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    _hand_made_function(Recorder(moto_url), "tool-plain-fn")
    async with client_for() as client:  # read-only mode is enough
        result = await client.call_tool("check_durable_deployment", {"function_name": "tool-plain-fn"})
    assert not result.is_error, tool_text(result)
    out = result.structured_content
    assert out is not None and out["ok"] is False and out["durable_config"] is None
    assert out["role_permissions"] == "missing" and len(out["problems"]) == 3
    assert out["runtime_supported"] is None and "python3.12" in out["notes"][0]


def test_an_existing_role_is_reused_and_given_the_durable_policy(moto_url: str, tmp_path: Path) -> None:
    aws = Recorder(moto_url)
    iam = aws.clients.client("iam")
    iam.create_role(RoleName="reuse-fn-durable-role", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.create_role(RoleName="ec2-fn-durable-role", AssumeRolePolicyDocument=TRUST_POLICY.replace("lambda", "ec2"))
    project = copy_fixture("python-direct", tmp_path)

    outcome = deploy_project(project, aws.clients, method="direct", function_name="reuse-fn")
    attached = iam.list_attached_role_policies(RoleName="reuse-fn-durable-role")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [DURABLE_POLICY_ARN]
    assert any("Reused the existing role reuse-fn-durable-role" in n for n in outcome.notes), outcome.notes

    with pytest.raises(DeployError, match="does not trust lambda.amazonaws.com"):
        deploy_project(project, aws.clients, method="direct", function_name="ec2-fn")
    assert not iam.list_attached_role_policies(RoleName="ec2-fn-durable-role")["AttachedPolicies"]


def test_an_update_says_what_it_changed_and_what_the_function_still_lacks(moto_url: str, tmp_path: Path) -> None:
    aws = Recorder(moto_url)
    iam, lam = aws.clients.client("iam"), aws.clients.client("lambda")
    role = iam.create_role(RoleName="half-role", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]
    iam.put_role_policy(RoleName="half-role", PolicyName="inline", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:CheckpointDurableExecution", "Resource": "*"}]}))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.js", "exports.handler = async () => 1;\n")
    lam.create_function(FunctionName="old-node", Runtime="nodejs18.x", Role=role["Arn"], Handler="index.handler",
                        Code={"ZipFile": buffer.getvalue()}, DurableConfig={"ExecutionTimeout": 900})

    outcome = deploy_project(copy_fixture("python-direct", tmp_path), aws.clients, method="direct",
                             function_name="old-node")
    notes = "\n".join(outcome.notes)
    assert "Updated the existing function in place." in notes
    assert "Changed its runtime from nodejs18.x to python3.13." in notes
    assert "Still to fix: role" in notes and "lambda:GetDurableExecutionState" in notes


def test_access_denied_names_the_action() -> None:
    from botocore.exceptions import ClientError

    from lambda_durable_mcp.deploy.errors import explain_client_error

    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": (
        "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:PassRole on resource: "
        "arn:aws:iam::123456789012:role/x-durable-role")}}, "CreateFunction")
    message = str(explain_client_error(denied, "creating function x"))
    assert "may not perform iam:PassRole" in message and "creating function x" in message
    qualified = ClientError({"Error": {"Code": "InvalidParameterValueException", "Message": (
        "Invocation of a durable function requires qualified function identifier")}}, "Invoke")
    assert "invoke NAME:ALIAS" in str(explain_client_error(qualified, "invoking x"))


async def test_no_credentials_is_a_clear_message(
    client_for: Any, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    async with client_for() as client:
        result = await client.call_tool("check_durable_deployment", {"function_name": "any-fn"})
    text = tool_text(result)
    assert result.is_error and "No AWS credentials" in text and "aws sso login" in text, text


def test_invoke_command_is_asynchronous_beyond_fifteen_minutes() -> None:
    from lambda_durable_mcp.deploy.direct import invoke_command

    arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders:live"
    assert "--invocation-type Event" in invoke_command(arn, 3600)
    assert "--invocation-type Event" in invoke_command(arn)  # unknown timeout: the safe choice
    short = invoke_command(arn, 600)
    assert "--invocation-type" not in short and "--region eu-west-1" in short and arn in short


async def test_deploy_progress_reaches_a_client_over_streamable_http(
    tmp_path: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hosted server (the container) answers with SSE streams, which carry a long deploy's progress."""
    import mcp
    from conftest import http_server

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)  # the server process inherits it
    shutil.copytree(FIXTURES / "python-direct", tmp_path / "app")
    progress: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    with http_server(tmp_path, "--allow-write") as (url, _):
        async with mcp.Client(url) as client:
            result = await client.call_tool("deploy_durable_function",
                                            {"project_dir": "app", "function_name": "http-fn"},
                                            progress_callback=on_progress)
    assert not result.is_error, tool_text(result)
    assert progress and progress[0].startswith("pre-flight")


@pytest.mark.parametrize(("flags", "expected"), [
    ({}, "No AWS region configured: start the server with --region or set AWS_REGION"),
    ({"region": "us-east-1", "profile": "no-such-profile"}, "The config profile (no-such-profile) could not be found"),
])
async def test_check_and_deploy_explain_a_missing_region_or_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: dict[str, str], expected: str
) -> None:
    """The container sets no AWS_REGION: the answer is the fix, not "Error executing tool"."""
    import mcp

    from lambda_durable_mcp.server import build_server
    from lambda_durable_mcp.settings import Settings

    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    shutil.copytree(FIXTURES / "python-direct", tmp_path / "app")
    settings = Settings.build(env={}, workspace_root=tmp_path, allow_write=True, **flags)
    async with mcp.Client(build_server(settings)) as client:
        for tool, args in (("check_durable_deployment", {"function_name": "f"}),
                           ("deploy_durable_function", {"project_dir": "app", "method": "direct"})):
            result = await client.call_tool(tool, args)
            assert result.is_error and expected in tool_text(result), (tool, tool_text(result))

"""The real SAM and CDK CLIs on the fixtures: `sam build`, `sam validate --lint`, `cdk synth`.

The deploy step itself goes to the fake CLI of test_deploy_iac (it hands every other subcommand to
the real CLI), so the whole sam/cdk method runs on real build output without an AWS account.

SAM CLI: aws-sam-cli is large (about 340 MB, ~40 s to install here) and pins its own boto3, pydantic
and cfn-lint, so it lives in its own virtualenv, .venv/sam-cli, created on first use and reused.
"""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TOOLCHAIN
from test_deploy_direct import Recorder, copy_fixture, moto_url  # noqa: F401 - moto_url is a fixture
from test_deploy_iac import ALIAS_ARN, FakeCli, _stack, deploy

from lambda_durable_mcp.deploy.iac import SAM_MIN, parse_version

pytestmark = pytest.mark.slow

SAM_CLI_VERSION = "1.170.0"
SAM_VENV = REPO_ROOT / ".venv" / "sam-cli"


@pytest.fixture(scope="session")
def real_sam() -> Iterator[str]:
    sam = SAM_VENV / "bin" / "sam"
    installed_marker = SAM_VENV / f".installed-{SAM_CLI_VERSION}"  # written only after a complete install
    if not installed_marker.is_file():
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "venv", str(SAM_VENV)], check=True, timeout=120)
        installed = subprocess.run(
            [str(SAM_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             f"aws-sam-cli=={SAM_CLI_VERSION}"], capture_output=True, text=True, timeout=600)
        assert installed.returncode == 0, f"could not install aws-sam-cli into {SAM_VENV}:\n{installed.stderr[-2000:]}"
        installed_marker.touch()
        print(f"installed aws-sam-cli {SAM_CLI_VERSION} into {SAM_VENV} in {time.monotonic() - started:.0f} s")
    version = subprocess.run([str(sam), "--version"], capture_output=True, text=True, timeout=60)
    assert parse_version(version.stdout) and parse_version(version.stdout) >= SAM_MIN, version  # type: ignore[operator]
    yield str(sam)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCli:
    monkeypatch.setenv("SAM_CLI_TELEMETRY", "0")
    return FakeCli(tmp_path, monkeypatch)


def test_sam_method_on_a_real_sam_build(
    fake: FakeCli, real_sam: str, moto_url: str, tmp_path: Path  # noqa: F811
) -> None:
    fake.install("sam")
    fake.set(FAKE_SAM_REAL=real_sam)
    aws = Recorder(moto_url)
    _stack(aws, "real-sam-stack")
    project = copy_fixture("sam-python", tmp_path)
    steps: list[str] = []

    result = deploy(project, aws, steps, stack_name="real-sam-stack")

    assert result.qualified_arn == ALIAS_ARN
    built = project / ".aws-sam" / "build"
    assert (built / "OrdersFunction" / "app.py").is_file()
    assert (built / "OrdersFunction" / "aws_durable_execution_sdk_python").is_dir()  # requirements bundled
    assert "DurableConfig" in (built / "template.yaml").read_text()
    assert "Build Succeeded" in steps
    assert fake.subcommands() == ["sam --version", "sam build", "sam deploy"]


def test_sam_validate_lint_accepts_the_fixture_and_rejects_a_bad_runtime(real_sam: str, tmp_path: Path) -> None:
    project = copy_fixture("sam-python", tmp_path)
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    good = subprocess.run([real_sam, "validate", "--lint"], cwd=project, env=env, capture_output=True, text=True,
                          timeout=120)
    assert good.returncode == 0, good.stdout + good.stderr
    template = project / "template.yaml"
    template.write_text(template.read_text().replace("Runtime: python3.11", "Runtime: python3.7"))
    bad = subprocess.run([real_sam, "validate", "--lint"], cwd=project, env=env, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode != 0 and "E2531" in bad.stdout + bad.stderr


def _link_toolchain_node_modules(project: Path) -> None:
    """node_modules of the toolchain, except that .bin holds esbuild only (cdk is the fake)."""
    modules = project / "node_modules"
    (modules / ".bin").mkdir(parents=True)
    for entry in (TOOLCHAIN / "node_modules").iterdir():
        if entry.name != ".bin":
            (modules / entry.name).symlink_to(entry)
    (modules / ".bin" / "esbuild").symlink_to(TOOLCHAIN / "node_modules" / ".bin" / "esbuild")


def test_cdk_method_on_a_real_cdk_synth(fake: FakeCli, moto_url: str, tmp_path: Path) -> None:  # noqa: F811
    project = copy_fixture("cdk-ts", tmp_path)
    _link_toolchain_node_modules(project)
    fake.install("cdk", project / "node_modules" / ".bin")
    fake.set(FAKE_CDK_REAL=str(TOOLCHAIN / "node_modules" / ".bin" / "cdk"),
             FAKE_CDK_VERSION="2.1148.1 (build fcf5e34)",
             FAKE_CDK_OUTPUTS=json.dumps({"DurableOrdersStack": {"OrdersAliasArn": ALIAS_ARN}}))

    result = deploy(project, Recorder(moto_url))

    assert (result.method, result.stacks, result.qualified_arn) == ("cdk", ["DurableOrdersStack"], ALIAS_ARN)
    template = json.loads((project / "cdk.out" / "DurableOrdersStack.template.json").read_text())
    resources = template["Resources"].values()
    (function,) = [r for r in resources if r["Type"] == "AWS::Lambda::Function"]
    assert function["Properties"]["DurableConfig"] == {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 14}
    (role,) = [r for r in resources if r["Type"] == "AWS::IAM::Role"]
    assert "AWSLambdaBasicDurableExecutionRolePolicy" in json.dumps(role["Properties"]["ManagedPolicyArns"])
    assert [r["Properties"]["Name"] for r in resources if r["Type"] == "AWS::Lambda::Alias"] == ["live"]
    deploy_call = fake.calls("cdk")[-1]["args"]
    assert deploy_call[:3] == ["deploy", "--app", "cdk.out"] and deploy_call[-1] == "DurableOrdersStack"

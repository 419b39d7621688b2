"""Startup is a feature: building the server must not import the heavy modules tools load lazily."""

import json
import subprocess
import sys

HEAVY = ["boto3", "botocore", "tree_sitter", "yaml", "aws_durable_execution_sdk_python_testing",
         "aws_durable_execution_sdk_python", "moto", "cfnlint"]


def test_building_the_server_imports_no_heavy_module(tmp_path: object) -> None:
    code = (
        "import sys, json\n"
        "from lambda_durable_mcp.server import build_server\n"
        "from lambda_durable_mcp.settings import Settings\n"
        "build_server(Settings.build(local=False))\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []

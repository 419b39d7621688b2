"""Terraform (`.tf`) in the template checks: a module is a folder, values come from literals, variable
defaults and locals, fixes are written in HCL, and DUR053 does not apply (function_name is required)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lambda_durable_mcp.analyzer import analyze_paths, analyze_source
from lambda_durable_mcp.analyzer.frontend import ProjectView
from lambda_durable_mcp.analyzer.templates import FRONTEND

FIXTURES = Path(__file__).parent / "fixtures" / "analyzer" / "templates"
PROJECT = FIXTURES / "project-terraform"

ROLE = '''
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
}
'''


def function(name: str = "f", body: str = "", config: str = "execution_timeout = 900") -> str:
    return f'''
resource "aws_lambda_function" "{name}" {{
  function_name = "{name}"
  role          = aws_iam_role.r.arn
  handler       = "index.handler"
  runtime       = "nodejs22.x"
  filename      = "{name}.zip"
  publish       = true
{body}
  durable_config {{
    {config}
  }}
}}
'''


def lint(folder: Path) -> list[tuple[str, int, str]]:
    result = analyze_paths([folder], root=folder)
    assert not result.parse_errors, result.parse_errors
    return [(d.path, d.line, d.rule) for d in result.diagnostics]


def test_a_finding_is_reported_in_the_module_file_that_holds_its_line_and_its_suppression_applies(
        tmp_path: Path) -> None:
    shutil.copytree(PROJECT, tmp_path / "m")
    folder = tmp_path / "m"
    assert ("iam.tf", 13, "DUR051") in lint(folder)
    iam = folder / "iam.tf"
    iam.write_text(iam.read_text().replace('resource "aws_iam_role" "approval" {',
                                           '# durable-lint: ignore[DUR051]\nresource "aws_iam_role" "approval" {'))
    assert not [d for d in lint(folder) if d[2] == "DUR051"]


def test_an_auto_loaded_tfvars_value_beats_the_variable_default(tmp_path: Path) -> None:
    shutil.copytree(PROJECT, tmp_path / "m")
    folder = tmp_path / "m"
    assert not [d for d in lint(folder) if d[2] == "DUR050"]
    (folder / "terraform.tfvars").unlink()  # now the default of 0 days is what Terraform uses
    (d,) = [d for d in analyze_paths([folder], root=folder).diagnostics if d.rule == "DUR050"]
    assert (d.path, d.line) == ("main.tf", 21)
    assert "retention_period 0 days of aws_lambda_function.approval (from the default of variable retention_days, " \
           "variables.tf line 10)" in d.message
    assert d.fix.startswith("Set the default of variable retention_days (variables.tf line 10) to whole days")


def test_fixes_are_written_in_hcl() -> None:
    diags = {d.rule: d for d in analyze_paths([FIXTURES / "project-tf-dur051"], root=FIXTURES).diagnostics
             if "Deny" not in d.message}
    assert 'resource "aws_iam_role_policy_attachment"' in diags["DUR051"].fix
    assert ('policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"'
            in diags["DUR051"].fix)
    assert "ManagedPolicyArns" not in diags["DUR051"].fix and "!Sub" not in diags["DUR051"].fix
    dur052 = [d for d in analyze_paths([FIXTURES / "project-tf-dur052"], root=FIXTURES).diagnostics]
    assert dur052 and all("publish = true" in d.fix for d in dur052)
    assert "aws_lambda_alias" in dur052[0].fix and "AutoPublishAlias" not in dur052[0].fix
    assert "publish comes from the default of variable never_publish" in dur052[1].fix
    cross = FIXTURES.parent / "cross" / "project-terraform-missing-durableconfig"
    missing = analyze_paths([cross], root=cross).diagnostics
    assert missing and all(d.fix.startswith("Add durable_config { execution_timeout = 86400 } to aws_lambda_function.")
                           for d in missing)


def test_dur053_is_not_reported_for_terraform(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ROLE + function())
    assert [r for _, _, r in lint(tmp_path)] == ["DUR051"]  # the fixed function_name is no finding


def test_an_attachment_to_a_role_the_module_cannot_name_makes_the_role_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ROLE + function())
    assert [r for _, _, r in lint(tmp_path)] == ["DUR051"]
    (tmp_path / "iam.tf").write_text('''
variable "role_name" {
  type = string
}

resource "aws_iam_role_policy_attachment" "maybe" {
  role       = var.role_name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
}
''')
    assert lint(tmp_path) == []


def test_a_broken_file_of_the_module_makes_the_rules_needing_the_whole_module_wait(tmp_path: Path) -> None:
    main = tmp_path / "main.tf"
    main.write_text(ROLE + function().replace("  publish       = true\n", ""))
    assert sorted(r for _, _, r in lint(tmp_path)) == ["DUR051", "DUR052"]
    # unclosed: Terraform refuses it; it declares no function, so it is not read on its own (no note)
    (tmp_path / "alias.tf").write_text('resource "aws_lambda_alias" "live" {\n  function_name = aws_lambda_function.f.arn\n')
    assert lint(tmp_path) == []
    main.write_text(main.read_text().replace("execution_timeout = 900", "execution_timeout = 0"))
    assert [(p, r) for p, _, r in lint(tmp_path)] == [("main.tf", "DUR050")]


def test_a_module_given_the_role_or_the_function_may_grant_and_publish(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ROLE + function().replace("  publish       = true\n", ""))
    assert sorted(r for _, _, r in lint(tmp_path)) == ["DUR051", "DUR052"]
    (tmp_path / "more.tf").write_text('''
module "wiring" {
  source   = "./wiring"
  role     = aws_iam_role.r.name
  function = aws_lambda_function.f.function_name
}
''')
    assert lint(tmp_path) == []


def test_override_files_and_json_syntax_are_not_guessed_at(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ROLE + function(config="execution_timeout = 0"))
    assert sorted(r for _, _, r in lint(tmp_path)) == ["DUR050", "DUR051"]
    (tmp_path / "main_override.tf").write_text(
        'resource "aws_lambda_function" "f" {\n  durable_config {\n    execution_timeout = 900\n  }\n}\n')
    assert lint(tmp_path) == []  # the override changes the function: not judged from main.tf alone
    (tmp_path / "main_override.tf").unlink()
    (tmp_path / "extra.tf.json").write_text('{"resource": {}}')
    assert [r for _, _, r in lint(tmp_path)] == ["DUR050"]  # the JSON file may grant the role: only DUR050


def test_a_durable_handler_without_durable_config_is_found_through_the_archive(tmp_path: Path) -> None:
    cross = FIXTURES.parent / "cross" / "project-terraform-missing-durableconfig"
    got = {(d.line, d.rule) for d in analyze_paths([cross / "main.tf"], root=cross).diagnostics}
    assert got == {(19, "DUR050"), (28, "DUR050"), (36, "DUR050")}  # named alone, its handlers are read too


def test_inline_terraform_is_read_as_a_template() -> None:
    code = (FIXTURES / "project-tf-dur050" / "main.tf").read_text()
    result = analyze_source(code)
    assert {d.rule for d in result.diagnostics} == {"DUR050"} and len(result.diagnostics) == 8
    assert analyze_source(code, "terraform").diagnostics == result.diagnostics


@pytest.mark.parametrize(("value", "shown"), [
    ("7 * 24 * 3600 * 60", "36,288,000 s (420 days)"),
    ("-(60)", "-60 s"),
    ('"0"', "0 s"),
    ("local.minutes * 60", "36,000,000 s (10,000 hours)"),
])
def test_values_from_arithmetic_strings_and_locals(tmp_path: Path, value: str, shown: str) -> None:
    (tmp_path / "main.tf").write_text('locals {\n  minutes = 600000\n}\n' + function(config=f"execution_timeout = {value}")
                                      .replace("aws_iam_role.r.arn", '"arn:aws:iam::123456789012:role/x"'))
    source = (tmp_path / "main.tf").read_bytes()
    FRONTEND.summarize("main.tf", source)
    (d,) = FRONTEND._check("main.tf", source, ProjectView(root=str(tmp_path)))
    assert d.rule == "DUR050" and f"execution_timeout {shown} of aws_lambda_function.f" in d.message


def test_a_link_out_of_the_module_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "variables.tf").write_text('variable "t" {\n  default = 0\n}\n')
    module = tmp_path / "module"
    module.mkdir()
    (module / "main.tf").write_text(function(config="execution_timeout = var.t")
                                    .replace("aws_iam_role.r.arn", '"arn:aws:iam::123456789012:role/x"'))
    (module / "variables.tf").symlink_to(outside / "variables.tf")
    assert lint(module) == []  # read, its default of 0 would be DUR050
    (module / "variables.tf").unlink()
    shutil.copy(outside / "variables.tf", module / "variables.tf")
    assert lint(module) == [("main.tf", 11, "DUR050")]


def test_random_terraform_mutations_never_crash() -> None:
    """Every Terraform fixture, cut at random points and with random bytes inserted, still yields a result:
    findings, or a parse note and none."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    paths = sorted(FIXTURES.glob("project-t*/*.tf")) + sorted((FIXTURES.parent / "cross").glob("*/*.tf"))
    sources = [p.read_bytes() for p in paths]

    @settings(max_examples=150, deadline=None, database=None)
    @given(st.sampled_from(range(len(sources))), st.integers(0, 10_000), st.integers(0, 10_000),
           st.sampled_from([b"", b"{", b"}", b'"', b"${", b"1e9", b"\xff\x00", b" = ", b"\n}\n", b"[[", b"/ 0"]))
    def mutate(index: int, cut: int, at: int, junk: bytes) -> None:
        path = paths[index]
        src = sources[index][: cut % (len(sources[index]) + 1)]
        pos = at % (len(src) + 1)
        src = src[:pos] + junk + src[pos:]
        rel = path.relative_to(path.parent.parent).as_posix()
        if FRONTEND.accepts(rel, src):
            summary = FRONTEND.summarize(rel, src)
            diags = FRONTEND._check(rel, src, ProjectView(root=str(path.parent.parent)))
            assert summary.parse_error is None or diags == []

    mutate()


@pytest.mark.parametrize("value", ['"nan" / 1', "1.0e400 * 0", "10 % 0", '"inf" - 1', "var.missing * 2",
                                   "-true", "!5", "jsonencode({})", "[for x in [1] : x]", "local.loop"])
def test_values_that_are_no_number_are_not_judged(tmp_path: Path, value: str) -> None:
    source = ('locals {\n  loop = local.loop\n}\n' + function(config=f"execution_timeout = {value}")).encode()
    assert FRONTEND.summarize("main.tf", source).parse_error is None
    diags = FRONTEND._check("main.tf", source, ProjectView(root=str(tmp_path)))
    assert [d.rule for d in diags] == []  # inline (no folder): the role and versions are not judged either


def test_a_utf8_bom_file_is_read_and_its_line_1_columns_are_right(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    (tmp_path / "main.tf").write_bytes(bom + (function(config="execution_timeout = 0").lstrip() + ROLE).encode())
    diags = analyze_paths([tmp_path], root=tmp_path).diagnostics
    assert sorted(d.rule for d in diags) == ["DUR050", "DUR051"]
    # a sibling with a BOM: the role's name on line 1 is at column 25, as an editor shows it
    (tmp_path / "main.tf").write_text(function(config="execution_timeout = 0"))
    (tmp_path / "iam.tf").write_bytes(bom + ROLE.lstrip().encode())
    (d,) = [d for d in analyze_paths([tmp_path], root=tmp_path).diagnostics if d.rule == "DUR051"]
    assert (d.path, d.line, d.column) == ("iam.tf", 1, 25)


@pytest.mark.parametrize(("locals_", "code"), [
    ('src_dir = "${path.module}/lambda"', '''
data "archive_file" "a" {
  type        = "zip"
  source_dir  = local.src_dir
  output_path = "a.zip"
}
'''),
    ('dir = "${path.module}"', '''
data "archive_file" "a" {
  type        = "zip"
  source_dir  = "${local.dir}/lambda"
  output_path = "a.zip"
}
'''),
    ('zip = "${path.module}/build/lambda.zip"', ""),
])
def test_a_local_used_as_a_code_path_is_followed(tmp_path: Path, locals_: str, code: str) -> None:
    wait = ("from aws_durable_execution_sdk_python import durable_execution\n"
            "from aws_durable_execution_sdk_python.config import Duration\n\n"
            "@durable_execution\ndef lambda_handler(event, context):\n"
            "    context.wait(Duration.from_days(3))\n")
    code_dir = tmp_path / ("lambda" if code else ".")
    code_dir.mkdir(exist_ok=True)
    (code_dir / "approval.py").write_text(wait)
    filename = "data.archive_file.a.output_path" if code else "local.zip"
    (tmp_path / "main.tf").write_text(f'''
locals {{
  {locals_}
}}
{code}
resource "aws_lambda_function" "a" {{
  function_name = "a"
  role          = "arn:aws:iam::1:role/x"
  handler       = "approval.lambda_handler"
  runtime       = "python3.13"
  filename      = {filename}
  publish       = true
  durable_config {{
    execution_timeout = 3600
  }}
}}
''')
    assert [r for p, _, r in lint(tmp_path) if p == "main.tf"] == ["DUR055"]


def test_a_value_a_calling_module_block_passes_beats_the_variable_default(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    mod = tmp_path / "modules" / "fn"
    mod.mkdir(parents=True)
    (mod / "app.py").write_text("from aws_durable_execution_sdk_python import durable_execution\n"
                                "from aws_durable_execution_sdk_python.config import Duration\n\n"
                                "@durable_execution\ndef handler(event, context):\n"
                                "    context.wait(Duration.from_days(1))\n")
    (mod / "main.tf").write_text('''
variable "execution_timeout" {
  type    = number
  default = 900
}
resource "aws_lambda_function" "this" {
  function_name = "f"
  role          = "arn:aws:iam::1:role/x"
  handler       = "app.handler"
  runtime       = "python3.13"
  filename      = "${path.module}/f.zip"
  publish       = true
  durable_config {
    execution_timeout = var.execution_timeout
  }
}
''')
    assert [r for p, _, r in lint(mod) if p == "main.tf"] == ["DUR055"]  # no caller: the default is what Terraform uses
    caller = tmp_path / "envs" / "prod"
    caller.mkdir(parents=True)
    call = 'module "orders" {{\n  source            = "../../modules/fn"\n  execution_timeout = {}\n}}\n'
    (caller / "main.tf").write_text(call.format("2 * 86400"))
    assert [r for p, _, r in lint(mod) if p == "main.tf"] == []
    (caller / "main.tf").write_text(call.format("var.t") + 'variable "t" {}\n')
    assert [r for p, _, r in lint(mod) if p == "main.tf"] == []  # the caller's value is unknown: not judged
    (caller / "main.tf").write_text(call.format("0"))
    (d,) = [d for d in analyze_paths([mod], root=mod).diagnostics if d.path == "main.tf"]
    assert d.rule == "DUR050" and "from module.orders argument execution_timeout, ../../envs/prod/main.tf line 3" \
        in d.message, d.message


def test_dur052_fixes_change_an_existing_latest_alias_and_name_a_new_one(tmp_path: Path) -> None:
    unpublished = function().replace("  publish       = true\n", "")
    (tmp_path / "main.tf").write_text(ROLE + unpublished + '''
resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.f.function_name
  function_version = "$LATEST"
}
''')
    (d,) = [d for d in analyze_paths([tmp_path], root=tmp_path).diagnostics if d.rule == "DUR052"]
    assert "add an aws_lambda_alias" not in d.fix
    assert "on the existing aws_lambda_alias.live, function_version = aws_lambda_function.f.version" in d.fix
    assert "publish = true" in d.fix
    (tmp_path / "main.tf").write_text(ROLE + unpublished)
    (d,) = [d for d in analyze_paths([tmp_path], root=tmp_path).diagnostics if d.rule == "DUR052"]
    assert 'add an aws_lambda_alias with name = "live", function_name = aws_lambda_function.f.function_name' in d.fix


@pytest.mark.parametrize(("meta", "fn_ref", "role_ref"), [
    ("count = 1", "aws_lambda_function.f[0].function_name", "role = aws_iam_role.r[0].name"),
    ('for_each = toset(["a"])', "for_each = aws_lambda_function.f, name", "for_each = aws_iam_role.r, role = each.value.name"),
])
def test_fix_references_index_a_function_or_role_with_count_or_for_each(tmp_path: Path, meta: str, fn_ref: str,
                                                                         role_ref: str) -> None:
    role = ROLE.replace('  name ', f'  {meta}\n  name ')
    fn = function(body=f"  {meta}").replace("  publish       = true\n", "")
    (tmp_path / "main.tf").write_text(role + fn)
    diags = {d.rule: d for d in analyze_paths([tmp_path], root=tmp_path).diagnostics}
    assert fn_ref in diags["DUR052"].fix, diags["DUR052"].fix
    assert f"with {role_ref} and policy_arn" in diags["DUR051"].fix, diags["DUR051"].fix


def test_dur051_names_the_missing_action_and_the_resource_holding_a_deny(tmp_path: Path) -> None:
    policy = '''
resource "aws_iam_role_policy" "p" {{
  role   = aws_iam_role.r.id
  policy = jsonencode({{ Statement = [{{ Effect = "{effect}", Action = ["{action}"], Resource = "*" }}] }})
}}
'''
    (tmp_path / "main.tf").write_text(ROLE + function() + policy.format(effect="Allow",
                                                                        action="lambda:CheckpointDurableExecution"))
    (d,) = analyze_paths([tmp_path], root=tmp_path).diagnostics
    assert "its policies do not allow lambda:GetDurableExecutionState" in d.message, d.message
    (tmp_path / "main.tf").write_text(ROLE + function() + policy.format(effect="Deny", action="lambda:*Durable*"))
    (tmp_path / "iam.tf").write_text('''
resource "aws_iam_role_policy_attachment" "durable" {
  role       = aws_iam_role.r.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
}
''')
    (d,) = analyze_paths([tmp_path], root=tmp_path).diagnostics
    assert "Deny statement for lambda:*Durable* (in aws_iam_role_policy.p)" in d.message, d.message

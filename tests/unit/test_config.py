"""The site config (``carbon-site.toml``) as a declared schema: every key documented, every
problem reported in one run with the key, what was expected and what was found, in Chinese,
under stable codes."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from builder.config import (CONFIG_NAME, OPTIONS, PORTAL, TABLES, SiteConfig, check_against_data, default_config,
                            find_config, load_config, options_markdown, redirect_problem, resolve)

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC = REPO / "tests" / "fixtures" / "synthetic"
HAN = re.compile(r"[\u4e00-\u9fff]")
GOOD = """\
[site]
title = "合成测试网站（SYNTHETIC）"
description = "合成测试数据"
home = "synthetic-songyuan"

[contact]
email = "corrections@example.org"
"""


def write(tmp_path: Path, text: str, name: str = CONFIG_NAME) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def where(problems) -> set[tuple]:
    return {(p.code, p.file, p.row, p.field) for p in problems}


def load(tmp_path: Path, text: str):
    return load_config(write(tmp_path, text), display=CONFIG_NAME)


# --- the schema and its documentation --------------------------------------------------------------
def test_every_key_is_declared_once_in_a_known_table():
    keys = [o.key for o in OPTIONS]
    assert len(keys) == len(set(keys))
    assert {k.split(".")[0] for k in keys} == set(TABLES)
    for option in OPTIONS:
        assert HAN.search(option.description), option.key
        assert option.type in (str, list, dict, bool)
        assert option.example


def test_the_documentation_table_lists_every_key_with_its_type_and_default():
    table = options_markdown()
    lines = table.splitlines()
    assert lines[0].startswith("| 键 |") and lines[1].startswith("| ---")
    rows = {re.match(r"\| `([^`]+)` \|", line).group(1): line for line in lines[2:]}
    assert set(rows) == {o.key for o in OPTIONS}
    for option in OPTIONS:
        row = rows[option.key]
        assert option.description in row
        assert ("（必填）" in row) == (option.default is None)


def test_the_readme_documents_every_key_as_the_schema_declares_it():
    # The README's table is options_markdown() pasted verbatim: a key added to the schema and not
    # to the README (or a description changed in one place only) fails here.
    assert options_markdown() in (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("config", [REPO / "carbon-site.toml", SYNTHETIC / "carbon-site.toml",
                                    SYNTHETIC / "portal.toml"])
def test_the_projects_own_configs_load_cleanly(config):
    loaded, problems = load_config(config)
    assert loaded is not None and [p for p in problems if p.is_error] == []
    assert loaded.root == config.parent and loaded.file == config


def test_the_synthetic_configs_say_what_they_are():
    site, _ = load_config(SYNTHETIC / "carbon-site.toml")
    portal, _ = load_config(SYNTHETIC / "portal.toml")
    assert (site.home, site.portal, site.data) == ("synthetic-songyuan", False, Path("datapackages"))
    assert (portal.home, portal.portal) == (PORTAL, True)
    assert site.contact.email == "corrections@example.org" and site.contact.given
    assert portal.contact.phone == "0000-0000000"
    assert resolve(site, site.data) == SYNTHETIC / "datapackages"


def test_defaults_fill_what_is_not_given(tmp_path):
    config, problems = load(tmp_path, GOOD)
    assert problems == []
    assert config.languages == ("zh",)
    assert (config.data, config.overrides, config.out, config.build_dir) == (
        Path("datapackages"), Path("site_src"), Path("site"), Path("build"))
    assert config.mkdocs is None and config.redirects == () and config.maintainer == ""
    assert config.display == CONFIG_NAME


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    config, _ = load_config(write(project, GOOD + '\n[build]\nout = "../public"\n'))
    assert resolve(config, config.out) == project / "../public"
    assert resolve(config, Path("/abs/site")) == Path("/abs/site")


def test_redirects_are_read_sorted(tmp_path):
    config, problems = load(tmp_path, GOOD + '\n[redirects]\n"plan/" = "plans/p/text.md"\n"areas/" = "plans/p/areas/index.md"\n')
    assert problems == []
    assert config.redirects == (("areas/", "plans/p/areas/index.md"), ("plan/", "plans/p/text.md"))


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / CONFIG_NAME
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    config, problems = load_config(path)
    assert config is not None and problems == []


# --- problems, all of them in one run ------------------------------------------------------------
def test_every_problem_is_reported_in_one_run_with_key_expected_and_found(tmp_path):
    text = """\
[site]
tittle = "合成"
description = 5
home = "Not An Id"
languages = ["zh", "en"]

[contact]
email = "not-an-email"

[sites]
x = 1
"""
    config, problems = load(tmp_path, text)
    assert config is None
    assert where(problems) == {
        ("config-unknown-key", CONFIG_NAME, 2, "site.tittle"),
        ("config-required", CONFIG_NAME, 1, "site.title"),
        ("config-type", CONFIG_NAME, 3, "site.description"),
        ("config-value", CONFIG_NAME, 4, "site.home"),
        ("config-value", CONFIG_NAME, 5, "site.languages"),
        ("config-value", CONFIG_NAME, 8, "contact.email"),
        ("config-unknown-key", CONFIG_NAME, 10, "sites"),
    }
    assert all(HAN.search(p.message) and p.is_error for p in problems)
    by_field = {p.field: p for p in problems}
    assert "文字" in by_field["site.description"].message and "数字" in by_field["site.description"].message
    assert "“5”" in by_field["site.description"].message
    assert "Not An Id" in by_field["site.home"].message and PORTAL in by_field["site.home"].message
    assert "en" in by_field["site.languages"].message and "zh" in by_field["site.languages"].message
    assert "title" in by_field["site.title"].message  # says what to write


@pytest.mark.parametrize("typo, suggestion", [("tittle", "title"), ("hom", "home"), ("discription", "description")])
def test_an_unknown_key_gets_a_did_you_mean(tmp_path, typo, suggestion):
    _, problems = load(tmp_path, GOOD.replace("[site]\n", f'[site]\n{typo} = "x"\n'))
    unknown = [p for p in problems if p.code == "config-unknown-key"]
    assert [(p.field, p.row) for p in unknown] == [(f"site.{typo}", 2)]
    assert f"“{suggestion}”" in unknown[0].hint


def test_an_unknown_table_gets_a_did_you_mean(tmp_path):
    _, problems = load(tmp_path, GOOD.replace("[contact]", "[contacts]"))
    unknown = [p for p in problems if p.code == "config-unknown-key"]
    assert [(p.field, p.row) for p in unknown] == [("contacts", 6)]
    assert "“contact”" in unknown[0].hint


def test_a_table_written_as_a_value_is_a_type_problem(tmp_path):
    text = 'contact = "someone@example.org"\n' + GOOD.split("[contact]")[0]
    _, problems = load(tmp_path, text)
    assert ("config-type", CONFIG_NAME, 1, "contact") in where(problems)


@pytest.mark.parametrize("line, field", [
    ('data = "https://example.org/data"', "site.data"),
    ('overrides = ""', "site.overrides"),
    ('title = "  "', "site.title"),
    ('description = "两行\\n文字"', "site.description"),
])
def test_values_of_the_right_type_that_are_not_allowed(tmp_path, line, field):
    key = line.split(" = ")[0]
    text = GOOD.replace("[site]\n", f"[site]\n{line}\n")
    if re.search(rf"^{key} = ", GOOD, re.M):  # replace the key's own line instead
        text = re.sub(rf"^{key} = .*$", lambda _: line, GOOD, flags=re.M)
    _, problems = load(tmp_path, text)
    assert [(p.code, p.field) for p in problems] == [("config-value", field)]


@pytest.mark.parametrize("key, value", [("url", '"ftp://example.org/feedback"'), ("phone", '"call us"'),
                                        ("email", '"a@b"')])
def test_contact_channels_are_checked(tmp_path, key, value):
    _, problems = load(tmp_path, GOOD.replace('email = "corrections@example.org"', f"{key} = {value}"))
    assert [(p.code, p.field) for p in problems] == [("config-value", f"contact.{key}")]


def test_a_site_without_a_way_to_report_errors_is_a_warning(tmp_path):
    config, problems = load(tmp_path, GOOD.replace('email = "corrections@example.org"\n', 'name = "合成联系人"\n'))
    assert config is not None
    assert [(p.code, p.field, p.severity) for p in problems] == [("config-required", "contact", "warning")]
    assert not config.contact.given


@pytest.mark.parametrize("value", ['true', '["site"]', '{ dir = "site" }'])
def test_a_path_of_another_type_is_a_type_problem(tmp_path, value):
    _, problems = load(tmp_path, GOOD + f"\n[build]\nout = {value}\n")
    assert [(p.code, p.field) for p in problems] == [("config-type", "build.out")]


def test_a_redirect_that_is_not_a_relative_address_is_a_value_problem(tmp_path):
    _, problems = load(tmp_path, GOOD + '\n[redirects]\n"/areas/" = "plans/p/areas/index.md"\n')
    assert [(p.code, p.field) for p in problems] == [("config-value", "redirects")]


# --- syntax ------------------------------------------------------------------------------------------
def test_a_syntax_error_is_located(tmp_path):
    config, problems = load(tmp_path, GOOD.replace('home = "synthetic-songyuan"', "home = synthetic-songyuan"))
    assert config is None
    assert where(problems) == {("config-syntax", CONFIG_NAME, 4, None)}
    assert "第 4 行" in problems[0].message


def test_a_config_that_is_not_utf8_is_a_syntax_problem(tmp_path):
    path = tmp_path / CONFIG_NAME
    path.write_bytes(GOOD.encode("gbk"))
    config, problems = load_config(path, display=CONFIG_NAME)
    assert config is None
    assert [(p.code, p.row) for p in problems] == [("config-syntax", 2)]
    assert "UTF-8" in problems[0].message


def test_deep_nesting_is_a_syntax_problem_not_a_crash(tmp_path):
    config, problems = load(tmp_path, GOOD + "x = " + "[" * 100_000 + "\n")
    assert config is None
    assert [p.code for p in problems] == ["config-syntax"]


def test_an_unreadable_config_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / CONFIG_NAME).mkdir()
    config, problems = load_config(tmp_path / CONFIG_NAME)
    assert config is None and [p.code for p in problems] == ["config-syntax"]


def test_control_characters_never_reach_a_message(tmp_path):
    _, problems = load(tmp_path, GOOD.replace('home = "synthetic-songyuan"', 'home = "bad\\u001b[31mhome"'))
    assert problems and all("\x1b" not in p.message for p in problems)


# --- against the data and the site --------------------------------------------------------------------
def test_the_home_plan_must_be_a_plan_of_the_data(tmp_path):
    config, _ = load(tmp_path, GOOD.replace('"synthetic-songyuan"', '"synthetic-songyun"'))
    problems = check_against_data(config, ["synthetic-jilin", "synthetic-songyuan"])
    assert where(problems) == {("config-home-unknown-plan", CONFIG_NAME, 4, "site.home")}
    assert "synthetic-songyuan" in problems[0].hint  # did you mean
    assert check_against_data(replace_home(config, "synthetic-jilin"), ["synthetic-jilin"]) == []
    assert check_against_data(replace_home(config, PORTAL), []) == []


def replace_home(config: SiteConfig, home: str) -> SiteConfig:
    return replace(config, home=home)


@pytest.mark.parametrize("old, new, allowed", [
    ("areas/1/", "plans/p/areas/1.md", True),
    ("areas/1.html", "plans/p/areas/1.md", True),
    ("downloads/old.csv", "downloads/plans/p/targets.csv", True),
    ("/areas/1/", "plans/p/areas/1.md", False),
    ("areas/1/", "https://example.org/", False),
    ("../areas/1/", "plans/p/areas/1.md", False),
    ("areas/1/", "plans/p/../../x.md", False),
    ("areas 1/", "plans/p/areas/1.md", False),
    ("areas/1/?x=1", "plans/p/areas/1.md", False),
    ("areas/1.md", "plans/p/areas/1.md", False),
    ("", "plans/p/areas/1.md", False),
    ("areas/\x1b/", "plans/p/areas/1.md", False),
])
def test_redirect_addresses(old, new, allowed):
    reason = redirect_problem(old, new)
    assert (reason is None) == allowed
    if reason:
        assert HAN.search(reason) and "\x1b" not in reason


def test_without_a_config_file_validation_still_has_settings(tmp_path):
    config = default_config(tmp_path)
    assert (config.root, config.file, config.portal, config.data) == (tmp_path, None, True, Path("datapackages"))
    assert find_config(tmp_path) is None
    write(tmp_path, GOOD)
    assert find_config(tmp_path) == tmp_path / CONFIG_NAME

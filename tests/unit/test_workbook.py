"""The data-entry workbook's problems (``builder.workbook``): each bad workbook is reported at its
sheet's row and column, a clean one imports, and a data file changed during an import is never
overwritten. Everything runs on private copies of the SYNTHETIC project."""
from __future__ import annotations

import pytest
from fixtures.bad_cases import OBSERVATIONS, WORKBOOK_CASES, filled_workbook, workbook_problems

from builder import workbook as workbook_module
from builder.load import load_data_root


@pytest.mark.parametrize("name", sorted(WORKBOOK_CASES))
def test_each_bad_workbook_is_reported_at_its_row_and_column(name, tmp_path):
    case = WORKBOOK_CASES[name]
    config, book = case.make(tmp_path)
    values = tmp_path / "datapackages" / OBSERVATIONS
    before = values.read_bytes() if values.exists() else None
    problems = workbook_problems(config, book, apply=True)
    found = {(p.code, p.file, p.row, p.field) for p in problems}
    assert (case.code, case.file, case.row, case.field) in found, found
    assert all(p.file == case.file for p in problems if p.is_error), found
    assert (values.read_bytes() if values.exists() else None) == before  # nothing written


def test_a_clean_workbook_imports_its_value(tmp_path):
    config, book = filled_workbook()(tmp_path)
    assert [p for p in workbook_problems(config, book) if p.is_error] == []
    assert [p for p in workbook_problems(config, book, apply=True) if p.is_error] == []
    data, _ = load_data_root(tmp_path / "datapackages")
    added = [o for o in data.observations if o.indicator_key == ("synthetic-jilin", "jl-non-fossil-share")]
    assert [(o.year, o.value, o.status, o.source_id) for o in added] == [
        (2022, 18.0, "final", "syn-stats-2022"), (2023, 18.5, "preliminary", "syn-stats-2023")]


def test_a_data_file_changed_while_importing_is_not_overwritten(tmp_path, monkeypatch):
    config, book = filled_workbook()(tmp_path)
    observations = tmp_path / "datapackages" / OBSERVATIONS
    checked = workbook_module._validate_copy

    def someone_edits_the_file_meanwhile(*args, **kwargs):
        result = checked(*args, **kwargs)
        observations.write_text(observations.read_text(encoding="utf-8").replace("12.0", "12.5"), encoding="utf-8")
        return result

    monkeypatch.setattr(workbook_module, "_validate_copy", someone_edits_the_file_meanwhile)
    problems = workbook_problems(config, book, apply=True)
    edited = observations.read_text(encoding="utf-8")
    assert [(p.code, p.file) for p in problems if p.is_error] == [
        ("import-conflict", f"datapackages/{OBSERVATIONS}")]
    assert "12.5" in edited and "18.5" not in edited  # the other edit is kept; the import wrote nothing

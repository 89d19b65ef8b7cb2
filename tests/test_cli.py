import json

from click.testing import CliRunner

from numdl.cli import main


def test_list_shows_experiments():
    res = CliRunner().invoke(main, ["list"])
    assert res.exit_code == 0
    assert "polyfit" in res.output and "data-gallery" in res.output


def test_run_quick(tmp_path):
    res = CliRunner().invoke(main, ["run", "polyfit", "--quick", "--out", str(tmp_path), "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "train MSE" in res.output
    assert json.loads((tmp_path / "metrics.json").read_text())["seed"] == 1


def test_user_errors_are_one_line():
    res = CliRunner().invoke(main, ["run", "no-such-experiment"])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert res.output.strip().startswith("numdl: error: experiment name: unknown")
    assert len(res.output.strip().splitlines()) == 1
    res = CliRunner().invoke(main, ["run", "polyfit", "--quick", "--bogus", "1"])
    assert res.exit_code == 2 and "option --bogus" in res.output


def test_check_unknown_pattern():
    res = CliRunner().invoke(main, ["check", "zzz-nothing"])
    assert res.exit_code == 2 and "no registered check" in res.output

"""Settings a user edits by hand, and the files Lazarus writes for them: the config file the Settings button creates
is the owner's alone, a file holding keys that others can read is warned about, every typo is one line naming the
file, the setting and what is wrong (on the command line and in the ribbon), and a full disk during `build` or
`export` is a sentence, not a traceback. Real files, the real command line in a real process where a limit is set."""

from __future__ import annotations

import json
import logging
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from addin import commands
from addin.excel import ribbon_actions as entry
from addin.pipeline.config import ConfigError, load_config
from tests.test_entry import _book

ROOT = Path(__file__).resolve().parents[1]
KEY = "fred-key-0123456789abcdef"


def test_the_settings_button_creates_a_file_only_its_owner_can_read(monkeypatch, tmp_path):
    config = tmp_path / "lazarus" / "config.toml"
    monkeypatch.setenv("LAZARUS_CONFIG", str(config))
    monkeypatch.setattr(entry, "_open_with_system", lambda path: None)
    os.umask(0o022)  # the usual umask: a plainly written file would be 0644
    entry.settings(_book())
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_a_config_file_holding_keys_that_others_can_read_is_warned_about(monkeypatch, tmp_path, caplog):
    config = tmp_path / "config.toml"
    config.write_text(f'[keys]\nfred = "{KEY}"\n')
    config.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="lazarus.config"):
        load_config(env={}, config_file=config)
    assert f"chmod 600 '{config}'" in caplog.text and KEY not in caplog.text
    monkeypatch.setenv("LAZARUS_CONFIG", str(config))
    monkeypatch.setattr(entry, "_open_with_system", lambda path: None)
    assert "other users of this computer can read it" in entry.settings(_book())
    config.chmod(0o600)
    caplog.clear()
    load_config(env={}, config_file=config)
    assert caplog.text == ""


TYPOS = {
    "not TOML": ("[keys\nfred = 1\n", "is not valid TOML"),
    "keys as text": ('keys = "abc"\n', "[keys] must be a table"),
    "a key as a number": ("[keys]\nfred = 12345678\n", "[keys] fred must be text"),
    "deadline in words": ('[refresh]\ndeadline = "soon"\n', "[refresh] deadline must be a number of seconds"),
    "deadline infinite": ("[refresh]\ndeadline = inf\n", "[refresh] deadline must be more than 0"),
    "deadline negative": ("[refresh]\ndeadline = -5\n", "[refresh] deadline must be more than 0"),
    "store url a number": ("[store]\nurl = 5\n", "[store] url must be text"),
    "data_dir a list": ('[paths]\ndata_dir = ["a"]\n', "[paths] data_dir must be text"),
}


@pytest.mark.parametrize("case", TYPOS)
def test_a_config_typo_is_one_line_naming_the_file_and_the_setting(case, tmp_path, monkeypatch, capsys):
    text, said = TYPOS[case]
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(env={}, config_file=config)
    assert str(config) in str(caught.value) and said in str(caught.value)
    # the command line: one line, exit 2
    monkeypatch.setenv("LAZARUS_CONFIG", str(config))
    monkeypatch.setenv("LAZARUS_DATA_DIR", str(tmp_path))
    assert commands.main(["refresh", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and said in err and "Traceback" not in err
    # the ribbon says the same, not "reinstall"
    message = entry._readable(caught.value)
    assert said in message and "incomplete" not in message


@pytest.mark.parametrize("value", ["inf", "1e10", "nan", "-5", "0", "soon"])
def test_a_deadline_option_that_is_not_a_sane_number_of_seconds_is_refused(value, capsys):
    with pytest.raises(SystemExit) as caught:
        commands.main(["refresh", f"--deadline={value}"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "--deadline" in err and "Traceback" not in err


@pytest.mark.parametrize("body", [{"id": "IWM"}, [1], "text"], ids=["object", "list of numbers", "a string"])
def test_a_sources_file_of_the_wrong_shape_is_one_line(body, tmp_path, monkeypatch, capsys):
    sources = tmp_path / "sources.json"
    sources.write_text(json.dumps(body))
    monkeypatch.setenv("LAZARUS_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LAZARUS_DATA_DIR", str(tmp_path))
    assert commands.main(["refresh", "--sources", str(sources), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "sources.json" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def _small_files_limit() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # any file past 20 KB: "File too large"


@pytest.mark.parametrize("command", ["export", "build"])
def test_a_full_disk_during_build_or_export_is_one_sentence(command, small_files, tmp_path):
    live, _ = small_files
    target = tmp_path / "out.xlsx"
    args = ["export", str(live), "--out", str(target)] if command == "export" else ["build", "--offline", "--out"]
    if command == "build":
        args.append(str(target))
    code = "import sys; from addin.commands import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAZARUS_CONFIG": str(tmp_path / "none.toml")}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_small_files_limit,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "cannot write" in done.stderr and "File too large" in done.stderr
    assert not target.exists() and list(tmp_path.glob("*.partial")) == []

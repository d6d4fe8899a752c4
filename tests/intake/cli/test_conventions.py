"""What every ``intake`` command does the same way: ``--version``, settings listed in
``intake serve --help``, and a wrong input answered with one line and an exit code.

The commands run in this process (``intake.cli.main``) on real files in a
temporary folder, with the environment an operator would set.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from intake.cli import main
from intake.settings import Settings, settings_help
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from tests.harness import ROOT

FORM = ROOT / "fixtures" / "forms" / "complete-medway-youth-trust.docx"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's own --help, --version and errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An operator's working folder with no settings and no data in it."""
    monkeypatch.chdir(tmp_path)
    for name in ("INTAKE_DATA_DIR", "INTAKE_DATABASE_URL", "INTAKE_CONFIG", "INTAKE_OFFICE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def data_dir(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with an empty, migrated database, as ``intake serve`` leaves one."""
    data = folder / "service-data"

    async def create() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{data / 'intake.sqlite3'}")
        await migrate(engine)
        await engine.dispose()

    asyncio.run(create())
    monkeypatch.setenv("INTAKE_DATA_DIR", str(data))
    return data


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert re.fullmatch(r"intake \d+\.\d+\.\d+\S*\n", out)


def test_serve_help_lists_every_setting_with_its_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "serve", "--help")
    assert code == 0
    listed = " ".join(out.split())  # the help is wrapped to the terminal
    for variable, default, meaning in settings_help():
        assert f"{variable} {meaning} (default: {default})" in listed
    assert len(settings_help()) == len(Settings.model_fields)
    assert "INTAKE_DATA_DIR where the database, the mail spool and the outbox live" in listed
    assert "(default: the configuration's data_dir, else ./var)" in listed
    assert "(default: number of CPUs)" in listed


def test_the_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [v for v, _, _ in settings_help() if f"`{v}`" not in readme]
    assert missing == []


def test_read_only_commands_say_where_the_database_is_not_and_create_nothing(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ["bids"],
        ["show", "KENT-2027-0001"],
        ["export", "-o", "pack.xlsx"],
        ["ranking", "--fund", "safer-in-kent"],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 2, argv
        assert err.startswith("intake: no database at var/intake.sqlite3 (the data folder is var)")
        assert "INTAKE_DATA_DIR" in err and out == ""
    assert list(folder.iterdir()) == []  # no ./var made here, no half export


def test_read_only_commands_find_the_data_folder_from_intake_data_dir(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "bids") == (0, "No bids stored yet.\n", "")
    code, out, _ = run(capsys, "bids", "--status", "incomplete", "--fund", "safer-in-kent")
    assert (code, out) == (0, "No bids match.\n")


def test_ranking_a_fund_with_no_bids_says_so(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_NOW", "2027-04-15T10:00:00+01:00")
    code, out, err = run(capsys, "ranking", "--fund", "safer-in-kent")
    assert (code, err) == (0, "")
    assert out.startswith(
        "Safer in Kent Fund · 2027/28 round 1 · no pot configured · 0 bids asking £0.00 in all"
    )


def test_the_data_folder_can_come_from_the_configuration(
    data_dir: Path,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = folder / "office" / "intake.toml"
    config.parent.mkdir()
    bundled = (ROOT / "intake" / "config" / "kent.toml").read_text()
    config.write_text(f'data_dir = "../{data_dir.name}"\n' + bundled)
    monkeypatch.setenv("INTAKE_CONFIG", str(config))
    monkeypatch.delenv("INTAKE_DATA_DIR")
    monkeypatch.chdir(config.parent)  # elsewhere: the folder is found from the file
    assert run(capsys, "bids") == (0, "No bids stored yet.\n", "")
    assert not (config.parent / "var").exists()
    monkeypatch.setenv("INTAKE_DATA_DIR", "elsewhere")  # the variable still wins
    code, _, err = run(capsys, "bids")
    assert code == 2 and "no database at elsewhere/intake.sqlite3" in err


BAD_INPUT: list[tuple[list[str], dict[str, str], int, str]] = [
    # argv, environment, exit code, the start of the one line said
    (["bids", "--status", "bogus"], {}, 2,
     "intake: no status 'bogus' (known: complete, incomplete, ineligible, unreadable)"),
    (["bids", "--fund", "bogus"], {}, 2,
     "intake: no fund 'bogus' in office kent (known: safer-in-kent, mental-health-policing, "
     "victim-specialist-services)"),
    (["bids", "--office", "essex"], {}, 2, "intake: there is no office 'essex'"),
    (["export", "--fund", "bogus"], {}, 2, "intake: no fund 'bogus' in office kent"),
    (["export", "--status", "late"], {}, 2, "intake: no status 'late'"),
    (["show", "KENT-2027-9999"], {}, 1, "intake: no bid with reference KENT-2027-9999"),
    (["ranking"], {}, 2, "intake ranking: the following arguments are required: --fund"),
    (["ranking", "--fund", "bogus"], {}, 2, "intake: no fund 'bogus' in office kent"),
    (["ranking", "--fund", "safer-in-kent", "--round", "r9"], {}, 2,
     "intake: fund 'safer-in-kent' has no round 'r9' (rounds: 2027-r1, 2027-r2)"),
    (["show"], {}, 2, "intake show: the following arguments are required: ref"),
    (["export", "-o", "no-such-folder/pack.xlsx"], {}, 2,
     "intake: cannot write no-such-folder/pack.xlsx: there is no folder no-such-folder"),
    (["export", "-o", "."], {}, 2, "intake: cannot write .: it is a folder"),
    (["export", "-o", "pack.pdf"], {}, 2, "intake: cannot tell the format of pack.pdf"),
    (["export", "--format", "xlsx"], {}, 2, "intake: an XLSX export needs --output FILE"),
    (["export", "--format", "pdf"], {}, 2, "intake export: argument --format: invalid choice"),
    (["export", "--cover-sheets", "a/b/c"], {}, 2,
     "intake: cannot write cover sheets into a/b/c: there is no folder a/b"),
    (["parse", "no-such-form.docx"], {}, 2, "intake: no such file: no-such-form.docx"),
    (["parse", str(FORM), "--fund", "lottery"], {}, 2, "intake: there is no fund 'lottery'"),
    (["parse", str(FORM), "--received", "tomorrow"], {}, 2,
     "intake parse: argument --received: not an ISO-8601 time: 'tomorrow'"),
    (["parse"], {}, 2, "intake parse: the following arguments are required: FILE"),
    (["check-config", "missing.toml"], {}, 1, "intake: missing.toml: no such configuration file"),
    (["deadlines"], {"INTAKE_CONFIG": "missing.toml"}, 1,
     "intake: missing.toml: no such configuration file"),
    (["deadlines"], {"INTAKE_NOW": "yesterday"}, 1, "intake: INTAKE_NOW: Input should be"),
    (["serve"], {"INTAKE_SMTP_PORT": "smtp"}, 1, "intake: INTAKE_SMTP_PORT: Input should be"),
    (["bids"], {"INTAKE_DATABASE_URL": "nonsense"}, 1,
     "intake: INTAKE_DATABASE_URL: not a database URL"),
    (["bids"], {"INTAKE_DATABASE_URL": "sqlite:///elsewhere/intake.sqlite3"}, 2,
     "intake: no database at elsewhere/intake.sqlite3 (from INTAKE_DATABASE_URL)"),
    (["frobnicate"], {}, 2, "intake: argument COMMAND: invalid choice: 'frobnicate'"),
    (["bids", "--bogus"], {}, 2, "intake: unrecognized arguments: --bogus"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "env", "code", "said"), BAD_INPUT, ids=[" ".join(c[0]) for c in BAD_INPUT]
)
def test_every_command_answers_bad_input_with_one_line(
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    code: int,
    said: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    got, out, err = run(capsys, *argv)
    assert got == code, err
    assert err.startswith(said), err
    assert len(err.splitlines()) == 1, err  # one line: no usage block, no traceback
    assert out == ""
    assert not (data_dir.parent / "var").exists()

"""The suite's own runner: modules stay whole on one worker, the timing drills together."""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadFileScheduling

from tests.conftest import pytest_xdist_make_scheduler, work_unit


class _Config:
    """What xdist's schedulers read of pytest's configuration."""

    class option:  # noqa: N801 - the attribute pytest's config has
        numprocesses = 2
        tx = ("2*popen",)
        maxschedchunk = None
        loadscopereorder = True

    def getvalue(self, name: str) -> Any:
        return getattr(self.option, name, None)


def test_a_modules_tests_and_the_drills_each_make_one_unit_of_work() -> None:
    # The hook our scheduler overrides: gone or renamed in an upgrade, the
    # override would be silently ignored and modules split across workers.
    assert "_split_scope" in vars(LoadFileScheduling)
    scheduler = pytest_xdist_make_scheduler(_Config(), None)  # type: ignore[arg-type]
    assert isinstance(scheduler, LoadFileScheduling)
    split = scheduler._split_scope
    assert split("tests/intake/test_offices.py::test_a") == split(
        "tests/intake/test_offices.py::test_b[x]"
    )
    assert split("tests/drills/test_hostile.py::test_a") == split(
        "tests/intake/test_restart.py::test_b"
    )
    assert split("tests/intake/test_offices.py::test_a") != split(
        "tests/intake/test_retention.py::test_a"
    )


def test_every_drill_is_one_at_a_time() -> None:
    assert work_unit("tests/drills/test_smtp_exhaustion.py::test_x") == "one-at-a-time"
    assert work_unit("tests/pg/test_two_nodes.py::test_y") == "one-at-a-time"
    assert work_unit("tests/pg/test_store_on_postgres.py::test_y") != "one-at-a-time"

"""A flood of refusals from one client is summarised; other clients' stay line by line."""

from __future__ import annotations

import logging

from intake.inbox.refusals import RefusalLog


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_past_a_few_a_minute_a_clients_refusals_are_counted_and_summarised() -> None:
    logger = logging.getLogger("test.refusals")
    lines = Lines()
    logger.addHandler(lines)
    now = [100.0]
    refusals = RefusalLog(logger, shown=3, window=60, monotonic=lambda: now[0])
    try:
        for _ in range(500):
            refusals.refused("192.0.2.7", "NOOP", "421 4.7.0 Too many commands")
        for _ in range(20):
            refusals.refused("192.0.2.7", "connection", "421 4.7.0 Too many connections")
        refusals.refused("198.51.100.1", "MAIL FROM:<\x1b@x>", "553 5.1.7 bad address")
        assert len(lines.lines) == 4  # three of the flood, one of the honest client
        assert lines.lines[0] == "refused NOOP from 192.0.2.7: 421 4.7.0 Too many commands"
        assert lines.lines[3].startswith("refused MAIL FROM:<\\x1b@x> from 198.51.100.1")
        now[0] += 30
        refusals.flush()
        assert len(lines.lines) == 4  # the minute is not over
        now[0] += 31
        refusals.flush()
        assert lines.lines[4:] == [
            "client 192.0.2.7: 497 more refusals of NOOP 421 in the last 60 s",
            "client 192.0.2.7: 20 more refusals of CONNECTION 421 in the last 60 s",
        ]
        # A new minute: the client's next refusals are shown again.
        refusals.refused("192.0.2.7", "NOOP", "421 4.7.0 Too many commands")
        assert lines.lines[-1].startswith("refused NOOP from 192.0.2.7")
    finally:
        logger.removeHandler(lines)


def test_a_clients_next_refusal_after_its_minute_summarises_the_last() -> None:
    logger = logging.getLogger("test.refusals.next")
    lines = Lines()
    logger.addHandler(lines)
    now = [0.0]
    refusals = RefusalLog(logger, shown=1, window=60, monotonic=lambda: now[0])
    try:
        for _ in range(3):
            refusals.refused("h", "RSET", "421 bye")
        now[0] = 75
        refusals.refused("h", "RSET", "421 bye")
        assert lines.lines == [
            "refused RSET from h: 421 bye",
            "client h: 2 more refusals of RSET 421 in the last 60 s",
            "refused RSET from h: 421 bye",
        ]
    finally:
        logger.removeHandler(lines)

"""When deadline alerts fall due: the calendar's moments, working hours, stale alerts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from intake.bids.deadlines import due_now, next_moment, schedule
from intake.config.load import load_config

LONDON = ZoneInfo("Europe/London")
CONFIG = load_config()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def keys(now: datetime) -> list[str]:
    return [due.key for due in due_now(CONFIG, now)]


def test_reminders_come_at_nine_seven_days_and_one_day_before_the_close() -> None:
    assert keys(at("2027-05-23T08:59:59")) == []
    assert keys(at("2027-05-23T09:00:00")) == [
        "deadline:mental-health-policing:2027-r1:closes_in_7_days",
        "deadline:safer-in-kent:2027-r1:closes_in_7_days",
    ]
    assert keys(at("2027-05-29T09:00:00")) == [
        "deadline:mental-health-policing:2027-r1:closes_in_1_day",
        "deadline:safer-in-kent:2027-r1:closes_in_1_day",
    ]


def test_the_closing_summary_waits_for_the_morning_after_the_close() -> None:
    closed = [d for d in schedule(CONFIG) if d.key == "deadline:safer-in-kent:2027-r1:closed"]
    assert [d.at for d in closed] == [at("2027-05-31T09:00:00")]
    assert "deadline:safer-in-kent:2027-r1:closed" not in keys(at("2027-05-31T00:00:01"))
    assert "deadline:safer-in-kent:2027-r1:closed" in keys(at("2027-05-31T09:00:00"))


def test_a_reminder_is_not_sent_once_the_next_has_taken_over() -> None:
    later = keys(at("2027-05-29T09:00:00"))
    assert not any(key.endswith("closes_in_7_days") for key in later)
    after_close = keys(at("2027-05-31T09:30:00"))
    assert not any(key.endswith("closes_in_1_day") for key in after_close)


def test_a_service_started_months_late_sends_no_stale_alerts() -> None:
    assert keys(at("2027-12-01T12:00:00")) == []
    # …while one down for a day still sends the day's alert.
    assert keys(at("2027-05-24T10:00:00")) == keys(at("2027-05-23T09:00:00"))


def test_decisions_and_monitoring_returns_fall_due() -> None:
    assert "deadline:victim-specialist-services:2027:decisions_due" in keys(at("2027-03-23T09:00"))
    assert "deadline:safer-in-kent:2027-r1:decisions_due" in keys(at("2027-06-30T09:00"))
    assert "deadline:safer-in-kent:2027-r1:monitoring_due" in keys(at("2028-04-30T09:00"))
    assert "deadline:victim-specialist-services:2027:updates_due" in keys(at("2027-09-30T09:00"))


def test_the_scheduler_sleeps_until_the_next_moment() -> None:
    now = at("2027-05-23T08:00:00")
    assert next_moment(CONFIG, now) - now == timedelta(hours=1)
    assert next_moment(CONFIG, at("2030-01-01T00:00")) is None

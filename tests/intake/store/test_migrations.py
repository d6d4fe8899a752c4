"""The schema comes from versioned migrations, and upgrading keeps what is stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from intake.store import migrate as migrate_module
from intake.store.engine import make_engine
from intake.store.migrate import alembic_config, current_revision, head_revision, migrate
from intake.store.schema import metadata


def schema_drift(url: str) -> list:
    """What the code's tables have that the migrated database lacks, or the reverse."""
    engine = make_engine(url)

    async def compare() -> list:
        async with engine.connect() as connection:
            drift = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
        await engine.dispose()
        return list(drift)

    return asyncio.run(compare())


def test_migrations_build_exactly_the_schema_the_code_uses(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3"
    engine = make_engine(url)
    asyncio.run(migrate(engine))
    assert asyncio.run(current_revision(engine)) == head_revision()
    asyncio.run(engine.dispose())
    assert schema_drift(url) == []


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3")

    async def twice() -> str | None:
        await migrate(engine)
        await migrate(engine)
        revision = await current_revision(engine)
        await engine.dispose()
        return revision

    assert asyncio.run(twice()) == head_revision()


def test_a_database_at_the_head_is_not_upgraded_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every CLI command migrates first: at the head that is one read, not
    # alembic's upgrade (which re-read every migration file each time).
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3")
    upgrades: list[object] = []

    async def scenario() -> None:
        await migrate(engine)
        monkeypatch.setattr(migrate_module, "_upgrade", upgrades.append)
        await migrate(engine)
        await engine.dispose()

    asyncio.run(scenario())
    assert upgrades == []


def test_upgrading_from_the_first_revision_keeps_stored_bids(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    old = create_engine(f"sqlite:///{database}")
    scripts = ScriptDirectory.from_config(alembic_config())
    first = scripts.get_base()
    with old.begin() as connection:
        command.upgrade(alembic_config(connection), first)
        connection.execute(
            text(
                "INSERT INTO bids (ref, office, version, status, received_at, updated_at) "
                "VALUES ('KENT-2027-0001', 'kent', 1, 'complete', "
                "'2027-04-15 09:00:00', '2027-04-15 09:00:00')"
            )
        )
    old.dispose()
    engine = make_engine(f"sqlite+aiosqlite:///{database}")

    async def upgrade() -> list:
        await migrate(engine)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT ref, status FROM bids"))).all()
        await engine.dispose()
        return [tuple(row) for row in rows]

    assert asyncio.run(upgrade()) == [("KENT-2027-0001", "complete")]


def test_a_bids_single_scores_become_the_sheet_of_the_officer_who_scored(tmp_path: Path) -> None:
    database = tmp_path / "scored.sqlite3"
    old = create_engine(f"sqlite:///{database}")
    with old.begin() as connection:
        command.upgrade(alembic_config(connection), "0008")
        connection.execute(
            text(
                "INSERT INTO bids (id, ref, office, version, status, received_at, updated_at, "
                "scores) VALUES (1, 'KENT-2027-0001', 'kent', 1, 'complete', "
                "'2027-04-15 09:00:00', '2027-04-16 09:00:00', '{\"localism\": 4}'), "
                "(2, 'KENT-2027-0002', 'kent', 1, 'complete', "
                "'2027-04-15 09:00:00', '2027-04-15 09:00:00', NULL)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO events (bid_id, at, actor, kind, text) VALUES "
                "(1, '2027-04-16 09:00:00', 'U0FIRST01', 'scored', 'scored'), "
                "(1, '2027-04-16 10:00:00', 'U0LATER01', 'scored', 'scored again')"
            )
        )
    old.dispose()
    engine = make_engine(f"sqlite+aiosqlite:///{database}")

    async def upgrade() -> list:
        await migrate(engine)
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT bid_id, scorer, levels FROM bid_scores"))
            rows = found.all()
        await engine.dispose()
        return [tuple(row) for row in rows]

    assert asyncio.run(upgrade()) == [(1, "U0LATER01", '{"localism": 4}')]

"""The install flow's stores on a real database: a state is taken once, a token kept encrypted.

Run on a SQLite file here, and on PostgreSQL by ``tests/pg/test_install_stores_on_postgres.py``
(which imports these tests with its own ``engine``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.errors import ConfigError
from intake.store.encryption import TokenCipher, cipher_for
from intake.store.engine import make_engine
from intake.store.installations import InstallationStore
from intake.store.migrate import migrate
from intake.store.oauth_states import OAuthStates
from intake.store.schema import slack_installations, slack_oauth_states

TOKEN = "xoxb-1234-5678-essex"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/install.sqlite3")
    await migrate(engine)
    yield engine
    await engine.dispose()


def essex(token: str = TOKEN) -> Installation:
    return Installation(
        app_id="A0APP0001",
        team_id="T0ESSEX",
        team_name="Essex",
        bot_token=token,
        bot_id="B0BOT0001",
        bot_user_id="U0BOT0001",
        bot_scopes="chat:write,commands",
        user_id="U0ADMIN01",
    )


async def stored_token(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        return str((await connection.execute(select(slack_installations.c.bot_token))).scalar())


async def test_a_state_is_taken_once_even_by_answers_arriving_together(
    engine: AsyncEngine,
) -> None:
    states = OAuthStates(engine, expiration_seconds=600)
    state = await states.async_issue()
    taken = await asyncio.gather(*(states.async_consume(state) for _ in range(5)))
    assert sorted(taken) == [False, False, False, False, True]
    assert await states.async_consume(state) is False
    assert await states.async_consume("never-issued") is False


async def test_an_expired_state_is_refused_and_swept_by_the_next_install(
    engine: AsyncEngine,
) -> None:
    states = OAuthStates(engine, expiration_seconds=600)
    stale = await states.async_issue()
    async with engine.begin() as connection:
        await connection.execute(
            update(slack_oauth_states).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert await states.async_consume(stale) is False
    fresh = await states.async_issue()
    async with engine.connect() as connection:
        left = (await connection.execute(select(slack_oauth_states.c.state))).scalars().all()
    assert left == [fresh]


async def test_an_installation_is_kept_encrypted_and_read_back(engine: AsyncEngine) -> None:
    key = Fernet.generate_key().decode()
    store = InstallationStore(engine, TokenCipher([key]))
    await store.async_save(essex())
    stored = await stored_token(engine)
    assert TOKEN not in stored
    assert Fernet(key).decrypt(stored.removeprefix("fernet:").encode()).decode() == TOKEN
    assert await store.bot_token("T0ESSEX") == TOKEN
    assert await store.bot_token("T0OTHER") is None
    bot = await store.async_find_bot(enterprise_id=None, team_id="T0ESSEX")
    assert bot is not None and (bot.bot_token, bot.bot_user_id) == (TOKEN, "U0BOT0001")
    found = await store.async_find_installation(enterprise_id=None, team_id="T0ESSEX")
    assert found is not None and (found.user_id, found.bot_scopes) == (
        "U0ADMIN01",
        ["chat:write", "commands"],
    )
    await store.async_save(essex("xoxb-reinstalled"))  # a reinstall replaces the row
    assert await store.bot_token("T0ESSEX") == "xoxb-reinstalled"
    await store.async_delete_installation(enterprise_id=None, team_id="T0ESSEX")
    assert await store.bot_token("T0ESSEX") is None


async def test_a_new_first_key_reencrypts_at_start_and_the_old_key_can_then_go(
    engine: AsyncEngine,
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    await InstallationStore(engine, TokenCipher([old])).async_save(essex())
    rotating = InstallationStore(engine, TokenCipher([new, old]))
    assert await rotating.bot_token("T0ESSEX") == TOKEN  # read before the sweep too
    assert await rotating.encrypt_stored() == 1
    assert await rotating.encrypt_stored() == 0  # nothing left to do at the next start
    assert await InstallationStore(engine, TokenCipher([new])).bot_token("T0ESSEX") == TOKEN


async def test_a_token_no_key_decrypts_counts_as_not_installed(engine: AsyncEngine) -> None:
    await InstallationStore(engine, TokenCipher([Fernet.generate_key().decode()])).async_save(
        essex()
    )
    stranger = InstallationStore(engine, TokenCipher([Fernet.generate_key().decode()]))
    assert await stranger.bot_token("T0ESSEX") is None  # installing again replaces it
    assert await stranger.encrypt_stored() == 0  # and the row is left for its key's return


def test_without_the_setting_a_key_file_is_made_once_and_kept(tmp_path: Path) -> None:
    first = cipher_for(None, tmp_path)
    sealed = first.encrypt(TOKEN)
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0
    assert cipher_for(None, tmp_path).decrypt(sealed) == TOKEN
    assert cipher_for("", tmp_path).decrypt(sealed) == TOKEN


def test_a_bad_key_in_the_setting_says_which(tmp_path: Path) -> None:
    good = Fernet.generate_key().decode()
    with pytest.raises(ConfigError, match="INTAKE_SECRET_KEY: key 2 is not a Fernet key"):
        cipher_for(f"{good}, not-a-key", tmp_path)
    assert not (tmp_path / "secret.key").exists()

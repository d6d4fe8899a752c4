"""What the receiver takes from aiosmtpd beyond its documented API is still there.

``intake.inbox.protocol.AIOSMTPD_INTERNALS`` lists every private name of aiosmtpd
(and of the asyncio stream under it) the receiver uses. An aiosmtpd upgrade
that renames, removes or reshapes one fails here, naming it, instead of in a
sender's session; so does a private name used without being listed, or used
outside ``intake/inbox/protocol.py``.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import textwrap
from collections.abc import AsyncIterator
from importlib.metadata import version
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP

import intake
from intake.inbox import protocol as protocol_module
from intake.inbox.envelope import IntakeEnvelope
from intake.inbox.protocol import AIOSMTPD_INTERNALS, IntakeSMTP, Internal
from intake.inbox.replies import START_DATA
from tests.intake.inbox.receiving import receiving

AIOSMTPD = f"aiosmtpd {version('aiosmtpd')}"
INTAKE = Path(intake.__file__).parent
PROTOCOL = Path(protocol_module.__file__)
INBOX = "safer-in-kent@bids.example.org"

METHODS = [internal for internal in AIOSMTPD_INTERNALS if internal.kind == "method"]
ATTRIBUTES = [internal for internal in AIOSMTPD_INTERNALS if internal.kind == "attribute"]


def _uses(internal: Internal) -> str:
    return f"intake.inbox.protocol uses it: {internal.why}"


@pytest.mark.parametrize("internal", METHODS, ids=lambda internal: internal.name)
def test_each_private_method_we_use_is_there_with_its_parameters(internal: Internal) -> None:
    method = inspect.getattr_static(internal.owner, internal.name, None)
    assert method is not None, f"{AIOSMTPD} has no {internal.qualified_name}; {_uses(internal)}"
    assert inspect.isfunction(method), (
        f"{AIOSMTPD}: {internal.qualified_name} is no longer a plain method "
        f"({type(method).__name__}); {_uses(internal)}"
    )
    found = inspect.signature(method).parameters
    assert tuple(found) == internal.parameters, (
        f"{AIOSMTPD}: {internal.qualified_name} takes ({', '.join(found)}), "
        f"not ({', '.join(internal.parameters)}); {_uses(internal)}"
    )
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in found.values()), (
        f"{AIOSMTPD}: {internal.qualified_name}{inspect.signature(method)} changed how its "
        f"parameters are passed; {_uses(internal)}"
    )


def test_the_data_deadline_can_be_set_and_restored_with_one_method() -> None:
    """``_reset_timeout(duration)`` sets the DATA deadline; called bare, the command timeout."""
    (reset,) = [internal for internal in METHODS if internal.name == "_reset_timeout"]
    duration = inspect.signature(SMTP._reset_timeout).parameters.get("duration")
    assert duration is not None and duration.default is None, (
        f"{AIOSMTPD}: {reset.qualified_name}'s duration no longer defaults to the command "
        f"timeout; {_uses(reset)}"
    )


class Client:
    """A sending server on a real loopback connection, reading one reply per line it says."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def reply(self) -> bytes:
        """The next whole reply (the last line of a multi-line one)."""
        while (line := await asyncio.wait_for(self.reader.readline(), 10))[3:4] == b"-":
            pass
        return line

    async def say(self, line: bytes) -> bytes:
        self.writer.write(line + b"\r\n")
        return await self.reply()


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[tuple[IntakeSMTP, Client]]:
    """The server side of a real loopback session past EHLO, and its client."""
    sessions: list[IntakeSMTP] = []
    async with receiving(tmp_path, sessions=sessions) as (_handler, port):
        client = Client(*await asyncio.open_connection("127.0.0.1", port))
        try:
            await client.reply()  # the greeting
            await client.say(b"EHLO mx.example.org")
            (server,) = sessions
            yield server, client
        finally:
            client.writer.close()


@pytest.mark.parametrize("internal", ATTRIBUTES, ids=lambda internal: internal.name)
async def test_each_private_attribute_we_use_is_there_on_a_live_session(
    internal: Internal, session: tuple[IntakeSMTP, Client]
) -> None:
    server, _client = session
    holders = {SMTP: server, asyncio.StreamReader: vars(server).get("_reader")}
    holder = holders[internal.owner]
    assert isinstance(holder, internal.owner), (
        f"{AIOSMTPD}: a connected session has no {internal.owner.__qualname__} to find "
        f"{internal.qualified_name} on; {_uses(internal)}"
    )
    value = vars(holder).get(internal.name)
    assert value is not None, (
        f"{AIOSMTPD}: a connected session has no {internal.qualified_name}; {_uses(internal)}"
    )
    assert internal.holds is not None and isinstance(value, internal.holds), (
        f"{AIOSMTPD}: {internal.qualified_name} is a {type(value).__name__}, not a "
        f"{internal.holds and internal.holds.__name__}; {_uses(internal)}"
    )


async def test_every_envelope_of_a_session_is_an_intake_envelope(
    session: tuple[IntakeSMTP, Client],
) -> None:
    """aiosmtpd makes envelopes through ``_create_envelope``: at the greeting, and
    fresh after each DATA (``_set_post_data_state``), so the handler's are typed."""
    server, client = session
    first = server.envelope
    assert isinstance(first, IntakeEnvelope) and first.incoming is None
    assert (await client.say(b"MAIL FROM:<a@example.org>"))[:3] == b"250"
    assert (await client.say(f"RCPT TO:<{INBOX}>".encode()))[:3] == b"250"
    assert (await client.say(b"DATA"))[:3] == str(START_DATA.code).encode()
    assert (await client.say(b"Subject: a bid\r\n\r\nthe form\r\n."))[:3] == b"250"
    after = server.envelope
    assert isinstance(after, IntakeEnvelope) and after is not first
    assert after.incoming is None and after.answer is None and after.rcpt_tos == []


async def test_commands_sent_with_the_final_dot_are_answered_in_turn(
    session: tuple[IntakeSMTP, Client],
) -> None:
    """A client that does not wait for the 250 sends its next commands with the dot:
    DATA has read them with the message and puts them back for aiosmtpd (``_buffer``)."""
    _server, client = session
    await client.say(b"MAIL FROM:<a@example.org>")
    await client.say(f"RCPT TO:<{INBOX}>".encode())
    await client.say(b"DATA")
    client.writer.write(b"Subject: a bid\r\n\r\nthe form\r\n.\r\nNOOP\r\nQUIT\r\n")
    replies = [await client.reply() for _ in range(3)]
    assert [reply[:3] for reply in replies] == [b"250", b"250", b"221"]
    assert replies[0].startswith(b"250 2.0.0 OK queued as ")


# --- every private name is listed, and used in one module --------------------------


def _private_names(tree: ast.AST) -> set[str]:
    """Single-underscore attribute names a module reads, writes or defines."""
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def _aiosmtpd_private_names() -> set[str]:
    """Everything private on aiosmtpd's SMTP and on the asyncio stream it reads from:
    what their classes define and what their code sets on ``self``."""
    names: set[str] = set()
    for cls in (*SMTP.__mro__, *asyncio.StreamReader.__mro__):
        if cls is object:
            continue
        names |= set(vars(cls))
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        names |= {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        }
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def test_every_private_name_of_aiosmtpd_used_by_the_protocol_is_listed() -> None:
    used = _private_names(ast.parse(PROTOCOL.read_text())) & _aiosmtpd_private_names()
    listed = {internal.name for internal in AIOSMTPD_INTERNALS}
    assert used <= listed, (
        f"intake/inbox/protocol.py uses aiosmtpd's {sorted(used - listed)} without listing "
        "them in AIOSMTPD_INTERNALS (with why), where the contract tests check them"
    )
    assert listed <= used, f"AIOSMTPD_INTERNALS lists {sorted(listed - used)}, no longer used"


def test_no_other_module_reaches_into_aiosmtpd() -> None:
    private = _aiosmtpd_private_names()
    reaching = {}
    for path in sorted(INTAKE.rglob("*.py")):
        if path == PROTOCOL:
            continue
        tree = ast.parse(path.read_text())
        imports_aiosmtpd = any(
            isinstance(node, ast.Import) and any(a.name.startswith("aiosmtpd") for a in node.names)
            for node in ast.walk(tree)
        )
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aiosmtpd")
            for alias in node.names
        }
        if not (imports_aiosmtpd or imported):
            continue
        used = (_private_names(tree) & private) | {n for n in imported if n.startswith("_")}
        if used:
            reaching[str(path.relative_to(INTAKE.parent))] = sorted(used)
    assert reaching == {}, f"aiosmtpd's private names outside intake/inbox/protocol.py: {reaching}"

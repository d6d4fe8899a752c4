"""The service's files at rest are its own: files ``0600``, folders ``0700``.

The data folder holds applicants' mail (the spool), the accept journal, the
acknowledgements written as ``.eml`` files, the database and the key that
encrypts Slack tokens: personal data and a secret. The service makes every
file and folder it creates readable by its own user alone by setting its
umask once at start (inherited by the SMTP receiver's process and the parsing
workers), and tightens what an earlier version, or a hand, left looser.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("intake")

PRIVATE_UMASK = 0o077
"""No permission for group or others on anything the service creates."""

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def keep_private(data_dir: Path, files: Iterable[Path] = ()) -> list[Path]:
    """Set the umask, then tighten ``data_dir``, every folder under it and ``files``.

    ``files`` are files kept outside the data folder's own (a SQLite database
    named by ``INTAKE_DATABASE_URL``): only they are tightened, not their folder,
    which the operator chose. Files inside the data folder are left as they are:
    their folder, now owner-only, already keeps everyone else out, and walking
    years of spooled mail to chmod each file would slow every start.
    Returns what was tightened, each also logged.
    """
    os.umask(PRIVATE_UMASK)
    tightened: list[Path] = []
    if data_dir.is_dir():
        for folder, folders, names in os.walk(data_dir):
            here = Path(folder)
            if _tighten(here, FOLDER_MODE):
                tightened.append(here)
            if here == data_dir:
                # The database, its WAL and the key sit at the top: tightened each.
                for name in names:
                    if _tighten(here / name, FILE_MODE):
                        tightened.append(here / name)
            folders[:] = [f for f in folders if not (here / f).is_symlink()]
    for path in files:
        for candidate in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
            if _tighten(candidate, FILE_MODE):
                tightened.append(candidate)
    for path in tightened:
        log.warning("tightened %s to owner-only (it was readable by others)", path)
    return tightened


def _tighten(path: Path, mode: int) -> bool:
    """Take group and other permissions off ``path``; True when there were some."""
    try:
        current = path.lstat()
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(current.st_mode) or not stat.S_IMODE(current.st_mode) & 0o077:
        return False
    os.chmod(path, stat.S_IMODE(current.st_mode) & mode)
    return True

"""Loading the TOML configuration, with errors that name the exact key."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from intake.config.model import Config
from intake.errors import ConfigError

BUNDLED = "kent.toml"


def bundled_config_text() -> str:
    """The example configuration shipped with the package (the Kent funds)."""
    return resources.files("intake.config").joinpath(BUNDLED).read_text(encoding="utf-8")


def load_config(path: Path | None = None) -> Config:
    """Read and validate a configuration file, or the bundled one when ``path`` is None.

    Raises :class:`ConfigError` whose message names the file, the key (as a
    dotted path such as ``funds[0].rounds[1].closes``) and what is wrong.
    """
    if path is None:
        return parse_config(bundled_config_text(), source="the bundled configuration")
    return parse_config(_read(path), source=str(path), folder=path.parent)


def bundled_office(office: str) -> Path:
    """The path of a bundled office's example configuration (``dorset``: ``dorset.toml``)."""
    return Path(str(resources.files("intake.config").joinpath(f"{office}.toml")))


def parse_config(text: str, *, source: str, folder: Path | None = None) -> Config:
    """Validate configuration text; ``source`` names it in error messages.

    Two top-level keys join files together, their paths relative to ``folder``
    (the file's own): ``include`` takes every office, fund and form of each file
    named (several offices on one service), ``forms_from`` only their forms (an
    office using another's form). A form found twice must be the same both times.
    """
    data = _toml(text, source)
    try:
        data = _joined(data, folder or Path.cwd(), source, seen=())
    except OSError as exc:  # pragma: no cover - _read turns these into ConfigError
        raise ConfigError(f"{source}: {exc}") from exc
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(error, data) for error in exc.errors())
        raise ConfigError(f"{source}: {problems}") from exc


_LISTS = ("offices", "funds", "forms")
MAX_INCLUDE_DEPTH = 4


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such configuration file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc


def _toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc


def _joined(
    data: dict[str, Any], folder: Path, source: str, *, seen: tuple[Path, ...]
) -> dict[str, Any]:
    """``data`` with the files its ``include`` and ``forms_from`` name merged in."""
    includes = data.pop("include", [])
    forms_from = data.pop("forms_from", [])
    if not includes and not forms_from:
        return data
    if len(seen) >= MAX_INCLUDE_DEPTH:
        raise ConfigError(f"{source}: files include each other more than {MAX_INCLUDE_DEPTH} deep")
    merged: dict[str, Any] = {key: list(data.get(key, [])) for key in _LISTS}
    for key, names, lists in (
        ("include", includes, _LISTS),
        ("forms_from", forms_from, ("forms",)),
    ):
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"{source}: {key} must be a list of file names")
        for name in names:
            path = (folder / name).resolve()
            if path in seen:
                raise ConfigError(f"{source}: {key} names {name}, which includes this file")
            other = _joined(
                _toml(_read(path), str(path)), path.parent, str(path), seen=(*seen, path)
            )
            for listed in lists:
                merged[listed] += other.get(listed, [])
    merged["forms"] = _one_of_each_form(merged["forms"], source)
    return {**data, **{key: value for key, value in merged.items() if value}}


def _one_of_each_form(forms: list[Any], source: str) -> list[Any]:
    """Forms in the order first seen; a form met again must be word for word the same."""
    kept: dict[str, Any] = {}
    for form in forms:
        form_id = form.get("id") if isinstance(form, dict) else None
        if not isinstance(form_id, str):
            kept[f"#{len(kept)}"] = form  # validation names what is wrong with it
        elif form_id not in kept:
            kept[form_id] = form
        elif kept[form_id] != form:
            raise ConfigError(
                f"{source}: two different forms have the id '{form_id}': give one a new id"
            )
    return list(kept.values())


def _describe(error: Any, data: dict[str, Any]) -> str:
    location = _key_path(error["loc"], data)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a known setting (check its spelling)"
    elif error["type"] == "missing":
        message = "is required but missing"
    return f"{location} {message}" if location else message


def _key_path(loc: tuple[Any, ...], data: Any) -> str:
    """``("funds", 0, "rounds", 1, "closes")`` -> ``funds[0] (safer-in-kent).rounds[1].closes``."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                label += f" ({node['id']})"
            parts.append(label)
        else:
            key = "in" if item == "in_" else str(item)
            parts.append(("." if parts else "") + key)
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts)

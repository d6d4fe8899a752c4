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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such configuration file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str) -> Config:
    """Validate configuration text; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(error, data) for error in exc.errors())
        raise ConfigError(f"{source}: {problems}") from exc


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

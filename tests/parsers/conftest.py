"""Shared fixtures of the parser tests: the bundled form's questions, and corpus files."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.corpus import CORPUS_DIR
from intake.config.load import load_config
from intake.reading.forms import form_spec
from parsers import FormSpec


@pytest.fixture(scope="session")
def kent() -> FormSpec:
    """The Kent funding application's questions, with the Safer in Kent Fund's criteria."""
    config = load_config()
    fund = config.fund("safer-in-kent")
    return form_spec(config, config.form(fund.form), fund)


@pytest.fixture(scope="session")
def corpus() -> Path:
    return CORPUS_DIR

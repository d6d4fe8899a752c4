"""From configuration to what the parsers look for: a form schema as a FormSpec."""

from __future__ import annotations

from intake.config.model import Config, Form, FormField, Fund, Option
from parsers.model import FieldSpec, FormSpec, OptionSpec


def form_spec(config: Config, form: Form, fund: Fund | None) -> FormSpec:
    """The questions of ``form`` with their options.

    Criteria come from ``fund``; with no fund (``intake parse`` without
    ``--fund``), the criteria of every fund that uses the form are looked for,
    so the ticks identify the fund.
    """
    criteria = fund.criteria if fund else _all_criteria(config, form)
    return FormSpec(
        id=form.id,
        title=form.title,
        fields=tuple(_field_spec(f, criteria) for f in form.fields),
    )


def _field_spec(field: FormField, criteria: tuple[Option, ...]) -> FieldSpec:
    options = criteria if field.options_from == "fund_criteria" else field.options
    return FieldSpec(
        id=field.id,
        labels=(field.label, *field.aliases),
        kind=field.type,
        options=tuple(OptionSpec(id=o.id, labels=(o.label, *o.aliases)) for o in options),
        group=field.group,
    )


def _all_criteria(config: Config, form: Form) -> tuple[Option, ...]:
    seen: dict[str, Option] = {}
    for fund in config.funds_using(form.id):
        for option in fund.criteria:
            seen.setdefault(option.id, option)
    return tuple(seen.values())


def infer_fund(config: Config, form: Form, criteria: list[str]) -> Fund | None:
    """The fund a form was meant for, when only one fund fits.

    One fund using the form: that fund. Several: the one whose criteria hold
    every ticked criterion, if exactly one does.
    """
    funds = config.funds_using(form.id)
    if len(funds) == 1:
        return funds[0]
    if not criteria:
        return None
    fitting = [f for f in funds if set(criteria) <= {c.id for c in f.criteria}]
    return fitting[0] if len(fitting) == 1 else None

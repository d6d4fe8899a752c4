"""The configuration as data: offices, funds, rounds and form schemas.

Everything a commissioning team changes between years lives here, validated by
pydantic, so that a new fund, round or form needs a TOML edit and no code.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

EmailAddress = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
# A Slack workspace ("team") id, as Slack shows it: T0KENT, T024BE7LD.
SlackTeamId = Annotated[str, Field(pattern=r"^T[A-Z0-9]{2,20}$")]
# The name of an environment variable (never its value: secrets stay out of the file).
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)]
FieldKind = Literal["text", "email", "money", "date", "yesno", "choice", "choices"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    """One option of a choice question."""

    id: Identifier
    label: str
    aliases: tuple[str, ...] = ()


class Condition(_Strict):
    """When a field becomes required because of another answer.

    Exactly one test is given: ``equals`` (a yes/no or option id), ``in``
    (one of several option ids) or ``less_than_field`` (a money answer below
    another money answer).
    """

    field: Identifier
    equals: bool | str | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    less_than_field: Identifier | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        given = [t for t in (self.equals, self.in_, self.less_than_field) if t is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'equals', 'in' or 'less_than_field'")
        return self


class FormField(_Strict):
    """One question of a form and the rules its answer must meet."""

    id: Identifier
    label: str
    aliases: tuple[str, ...] = ()
    type: FieldKind = "text"
    required: bool = False
    required_if: Condition | None = None
    missing_message: str | None = None
    max_words: int | None = Field(default=None, gt=0)
    options: tuple[Option, ...] = ()
    options_from: Literal["fund_criteria"] | None = None
    group: Identifier | None = None
    not_above_field: Identifier | None = None
    capped_by_fund: bool = False

    @model_validator(mode="after")
    def _options_fit_type(self) -> FormField:
        has_options = bool(self.options) or self.options_from is not None
        if self.type in ("choice", "choices") and not has_options:
            raise ValueError(f"a '{self.type}' field needs 'options' or 'options_from'")
        if self.type not in ("choice", "choices") and has_options:
            raise ValueError("only 'choice' and 'choices' fields take options")
        if (self.not_above_field or self.capped_by_fund) and self.type != "money":
            raise ValueError("'not_above_field' and 'capped_by_fund' apply to money fields")
        return self


class Form(_Strict):
    """A form schema: the questions in the order the form asks them."""

    id: Identifier
    title: str
    partnership_field: Identifier | None = None
    fields: tuple[FormField, ...]

    @model_validator(mode="after")
    def _references_resolve(self) -> Form:
        ids = [f.id for f in self.fields]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"field ids used twice: {', '.join(sorted(duplicates))}")
        by_id = {f.id: f for f in self.fields}
        for f in self.fields:
            refs = []
            if f.required_if:
                refs += [f.required_if.field]
                if f.required_if.less_than_field:
                    refs.append(f.required_if.less_than_field)
            if f.not_above_field:
                refs.append(f.not_above_field)
            for ref in refs:
                if ref not in by_id:
                    raise ValueError(f"field '{f.id}' refers to unknown field '{ref}'")
        if self.partnership_field and by_id.get(self.partnership_field) is None:
            raise ValueError(f"partnership_field '{self.partnership_field}' is not a field")
        return self

    def field(self, field_id: str) -> FormField:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)


class Round(_Strict):
    """One funding round: bids are accepted from ``opens`` to the end of ``closes``."""

    id: Identifier
    name: str
    opens: date
    closes: date
    decisions_due: date | None = None
    monitoring_due: date | None = None
    updates_due: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> Round:
        if self.closes < self.opens:
            raise ValueError(f"round '{self.id}' closes ({self.closes}) before it opens")
        return self

    def opens_at(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.opens, time.min, tzinfo=tz)

    def closes_at(self, tz: ZoneInfo) -> datetime:
        """The end of the closing day in the office's time zone (exclusive bound)."""
        return datetime.combine(self.closes + timedelta(days=1), time.min, tzinfo=tz)

    def decisions_due_on(self) -> date:
        """Award and regret letters: the configured day, else a month after close."""
        if self.decisions_due:
            return self.decisions_due
        month = self.closes.month % 12 + 1
        year = self.closes.year + (1 if self.closes.month == 12 else 0)
        for day in (self.closes.day, 30, 29, 28):
            try:
                return date(year, month, day)
            except ValueError:
                continue
        raise AssertionError("unreachable")  # pragma: no cover


# --- issue 22: minimums, rolling funds, pots, partner-run and closed funds ---


class Partner(_Strict):
    """The organisation that runs a fund's applications on the office's behalf."""

    name: str = Field(min_length=1, max_length=200)
    url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=500)]


class SupportingDocument(_Strict):
    """A document a fund asks for beside the form (a safeguarding policy, a letter of
    endorsement): required always, or when an answer of the form says so.

    It is recognised among a mail's attachments by its file name: ``match`` lists
    words, any one of which the name must contain (any case; ``_``, ``-`` and
    ``.`` count as spaces).
    """

    id: Identifier
    name: str = Field(min_length=1, max_length=120)
    match: tuple[Annotated[str, Field(min_length=3, max_length=60)], ...] = Field(min_length=1)
    required: bool = False
    required_if: Condition | None = None

    @model_validator(mode="after")
    def _when(self) -> SupportingDocument:
        if self.required == (self.required_if is not None):
            raise ValueError(
                f"document '{self.id}': give either required = true or required_if, one of them"
            )
        return self


class Criterion(_Strict):
    """One criterion of a scoring matrix; ``levels`` are worded lowest first (the scale:
    level 1 to the number of levels). ``weight`` multiplies the level in the total."""

    id: Identifier
    name: str = Field(min_length=1, max_length=150)
    levels: tuple[str, ...] = Field(min_length=2, max_length=10)
    weight: Decimal = Field(default=Decimal(1), gt=0, le=100)


class Panel(_Strict):
    """How a fund's bids are scored by its panel (issue 21; weighted cost from issue 22).

    ``criteria``: the fund's own matrix, else the office's ``scoring``.
    ``spread_gap``: the scorers disagree when, on any criterion, their levels
    differ by more than this. ``leads``: the Slack user ids of the officers who
    may set the moderated score. ``quality_weight`` and ``cost_weight``: how the
    quality score (the matrix) and the cost score (the requested amount against
    the lowest request ranked beside it) make the weighted score; without a cost
    weight the score is the quality score alone.
    """

    criteria: tuple[Criterion, ...] = Field(default=(), max_length=20)
    spread_gap: int = Field(default=1, ge=0, le=9)
    leads: tuple[Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,20}$")], ...] = ()
    quality_weight: Decimal = Field(default=Decimal(100), ge=0, le=100)
    cost_weight: Decimal = Field(default=Decimal(0), ge=0, le=100)

    @model_validator(mode="after")
    def _weights(self) -> Panel:
        if self.quality_weight + self.cost_weight <= 0:
            raise ValueError("panel: quality_weight and cost_weight cannot both be 0")
        ids = [c.id for c in self.criteria]
        if len(ids) != len(set(ids)):
            raise ValueError("panel: two criteria have the same id")
        return self


FundStatus = Literal["open", "closed", "under_review"]
"""``open`` takes bids; ``closed`` and ``under_review`` answer the sender and make none."""


class Retention(_Strict):
    """How long an office (or one of its funds) keeps what it no longer needs, run daily.

    UK GDPR's storage-limitation principle: personal data is kept no longer than
    its purpose needs. Each period is counted from the last change (a bid's
    ruling, its last update; a mail's arrival); ``None`` keeps that data until it
    is erased by hand (``intake erase``). What goes is erased as ``intake erase``
    erases (rows, spool and outbox files, Slack cards), with an audit row.
    """

    not_eligible_months: int | None = Field(default=12, ge=1)
    """Bids an officer ruled not eligible, this many months (of 30 days) after their last change."""
    unreadable_days: int | None = Field(default=180, ge=1)
    """Bids whose form could not be read and that nobody ruled on, after their last change."""
    no_bid_days: int | None = Field(default=90, ge=1)
    """Mail that made no bid (enquiries, automatic mail, mail to closed funds, postmaster
    mail, mail to several funds), with the answers we sent, after it arrived."""
    raw_mail_days: int | None = Field(default=None, ge=1)
    """The raw mail of a bid's versions and correspondence (spool file and its copy in
    the database), after it arrived; the bid keeps what was read from it."""


class Fund(_Strict):
    """A fund: its inbox, form, caps, criteria and rounds.

    ``min_amount`` is the smallest grant the fund makes; ``rolling`` funds take
    bids all year and have no rounds; ``pot`` is the money the fund has each
    ``pot_period``. A fund ``administered_by`` a partner, or whose ``status`` is
    not ``open``, makes no bids: mail to its inbox gets a polite automatic
    answer saying where to apply, or that the fund is not taking applications.
    """

    id: Identifier
    office: Identifier
    name: str
    inbox: EmailAddress
    form: Identifier
    cap_single: Decimal | None = Field(default=None, gt=0)
    cap_joint: Decimal | None = Field(default=None, gt=0)
    cap_note: str | None = None
    slack_channel: str | None = None
    criteria: tuple[Option, ...] = ()
    rounds: tuple[Round, ...] = ()
    min_amount: Decimal | None = Field(default=None, gt=0)
    rolling: bool = False
    pot: Decimal | None = Field(default=None, gt=0)
    pot_period: Literal["year", "round"] = "year"
    administered_by: Partner | None = None
    status: FundStatus = "open"
    status_note: str | None = Field(default=None, max_length=500)
    documents: tuple[SupportingDocument, ...] = ()
    retention: Retention | None = None
    """The fund's own retention for its bids and their mail; else its office's."""
    panel: Panel = Field(default_factory=Panel)
    reminder_days_before_close: int | None = Field(default=None, ge=1, le=90)
    """Days before a round closes when applicants of incomplete bids are reminded
    of what is missing (once); unset: the office's setting, and none when neither says."""
    staged: bool = False
    """One-off approaches: each bid goes approach → proposal form requested →
    recommendation → decision, each step an officer's action on its card."""
    proposal_form: str | None = Field(default=None, max_length=1000)
    """What the mail asking a staged approach for its proposal form says to send."""

    @property
    def takes_bids(self) -> bool:
        """Whether mail to the fund's inbox becomes a bid (else it is answered and kept)."""
        return self.status == "open" and self.administered_by is None

    @field_validator("inbox")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @model_validator(mode="after")
    def _rounds_unique(self) -> Fund:
        ids = [r.id for r in self.rounds]
        if len(ids) != len(set(ids)):
            raise ValueError(f"fund '{self.id}' has two rounds with the same id")
        ordered = sorted(self.rounds, key=lambda r: r.opens)
        for before, after in pairwise(ordered):
            if after.opens <= before.closes:
                raise ValueError(f"rounds '{before.id}' and '{after.id}' of '{self.id}' overlap")
        if self.rolling and self.rounds:
            raise ValueError(
                f"fund '{self.id}' is rolling (always open) and lists rounds: give one or the other"
            )
        if self.proposal_form and not self.staged:
            raise ValueError(f"fund '{self.id}': proposal_form is for staged funds (staged = true)")
        if self.rolling and self.pot_period == "round":
            raise ValueError(f"fund '{self.id}' is rolling: its pot_period can only be 'year'")
        for name, cap in (("cap_single", self.cap_single), ("cap_joint", self.cap_joint)):
            if self.min_amount is not None and cap is not None and self.min_amount > cap:
                raise ValueError(
                    f"fund '{self.id}': min_amount ({self.min_amount}) is above {name} ({cap})"
                )
        return self

    def cap_for(self, *, joint: bool) -> Decimal | None:
        if joint and self.cap_joint is not None:
            return self.cap_joint
        return self.cap_single


# --- issue 22: routing a bid to its local area's channel and officers ---

SlackUserId = Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,20}$")]
Postcode = Annotated[str, Field(pattern=r"^[A-Za-z]{1,2}([0-9][A-Za-z0-9]?)?$")]


class Area(_Strict):
    """A local area with a channel and officers of its own.

    A bid is the area's when an answer the routing reads is one of ``answers``
    (an option id, or words found in a typed answer, any case), or a postcode in
    it starts with one of ``postcodes``: a postcode area (``SS``, letters only:
    ``SS1`` and ``SS17`` but not ``S1``) or an outward code (``SS17``, exactly).
    """

    id: Identifier
    name: str = Field(min_length=1, max_length=100)
    slack_channel: str = Field(min_length=2, max_length=80)
    officers: tuple[SlackUserId, ...] = ()
    answers: tuple[Annotated[str, Field(min_length=2, max_length=80)], ...] = ()
    postcodes: tuple[Postcode, ...] = ()

    @model_validator(mode="after")
    def _matches_something(self) -> Area:
        if not self.answers and not self.postcodes:
            raise ValueError(f"area '{self.id}': give 'answers' or 'postcodes' to recognise it")
        return self


class AreaRouting(_Strict):
    """Which answers say a bid's local area (read in order, the first that names an area
    wins), and the areas. A bid naming no area goes to its fund's or office's channel."""

    fields: tuple[Identifier, ...] = Field(min_length=1)
    areas: tuple[Area, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> AreaRouting:
        ids = [a.id for a in self.areas]
        if len(ids) != len(set(ids)):
            raise ValueError("two areas share an id")
        return self


def _appendix_four() -> tuple[Criterion, ...]:
    from intake.config.scoring import APPENDIX_FOUR

    return tuple(Criterion.model_validate(c) for c in APPENDIX_FOUR)


class Letters(_Strict):
    """Award and regret letters as ``string.Template`` texts (``$organisation``,
    ``$amount``…, see :mod:`intake.bids.letters`); the first line is the subject."""

    award: str = Field(min_length=1, max_length=20_000)
    regret: str = Field(min_length=1, max_length=20_000)

    @model_validator(mode="after")
    def _templates_fill(self) -> Letters:
        from notifier.letters import check_template

        for kind in ("award", "regret"):
            wrong = check_template(getattr(self, kind))
            if wrong:
                raise ValueError(f"the {kind} letter: {wrong}")
        return self


class Office(_Strict):
    """A commissioning office: its time zone, reference prefix, channel and scoring matrix.

    ``slack_team_id`` and ``slack_token_env`` put the office in a Slack
    workspace of its own: the workspace's id, and the name of the environment
    variable holding the app's bot token there. Or, with ``slack_install``, the
    token comes from installing the app in that workspace through the service's
    own install page, and is kept in the database. Without them the office is
    in the default workspace, whose token is ``SLACK_BOT_TOKEN``.
    """

    id: Identifier
    name: str
    timezone: str = "Europe/London"
    reference_prefix: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{1,9}$")]
    reply_from: str
    slack_channel: str = "#grant-intake"
    slack_team_id: SlackTeamId | None = None
    slack_token_env: EnvName | None = None
    slack_install: bool = False
    acks_per_sender_per_day: int = Field(default=5, ge=0)
    """Automatic mails to one mailbox a day (``X+1@`` and ``x+2@`` are one mailbox)."""
    acks_per_domain_per_hour: int = Field(default=100, ge=0)
    """Automatic mails to one domain's addresses an hour: forged senders at one victim domain."""
    acks_per_office_per_hour: int = Field(default=2000, ge=0)
    """Automatic mails from the office an hour, whoever to: the last brake on a flood."""
    retention: Retention = Field(default_factory=Retention)
    """How long the office keeps bids and mail it no longer needs (run daily)."""
    routing: AreaRouting | None = None
    scoring: tuple[Criterion, ...] = Field(default_factory=_appendix_four, max_length=20)
    reminder_days_before_close: int | None = Field(default=None, ge=1, le=90)
    """The default of its funds' ``reminder_days_before_close``."""
    letters: Letters | None = None
    """The words of award and regret letters; unset: the bundled ones."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone '{value}'") from exc
        return value

    @model_validator(mode="after")
    def _token_names_its_workspace(self) -> Office:
        # Slack's requests say which workspace they come from by its id: without
        # it, a click could not be told to belong to this office's workspace.
        if self.slack_token_env and not self.slack_team_id:
            raise ValueError(
                "slack_token_env is given without slack_team_id: name the workspace "
                "the token belongs to (its id, like T0123ABCD)"
            )
        if self.slack_install and not self.slack_team_id:
            raise ValueError(
                "slack_install is set without slack_team_id: name the workspace the app "
                "is to be installed in (its id, like T0123ABCD)"
            )
        if self.slack_install and self.slack_token_env:
            raise ValueError(
                "give slack_token_env or slack_install, not both: the token comes from "
                "one or the other"
            )
        if self.slack_token_env == "SLACK_BOT_TOKEN":
            raise ValueError(
                "slack_token_env = 'SLACK_BOT_TOKEN' is the default workspace's token: "
                "leave slack_token_env out for the default workspace"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _one_token_per_workspace(offices: tuple[Office, ...]) -> None:
    """A bot token belongs to one workspace, and a workspace has one bot token.

    Offices sharing a workspace share its token; two tokens for one workspace,
    or one token (``SLACK_BOT_TOKEN`` included) for two, is a mistake.
    """
    team_of_token: dict[str | None, tuple[int, Office]] = {}
    token_of_team: dict[str, tuple[int, Office]] = {}
    for index, office in enumerate(offices):
        where = f"offices[{index}] ({office.id})"
        token, team = _token_source(office), office.slack_team_id
        if team is None:
            continue
        if not office.slack_install:  # every installation is its own workspace's
            seen = team_of_token.setdefault(token, (index, office))[1]
            if seen.slack_team_id != team:
                variable = token or "SLACK_BOT_TOKEN"
                raise ValueError(
                    f"{where}.slack_team_id is {team} but office '{seen.id}' puts {variable} "
                    f"in workspace {seen.slack_team_id}: one token belongs to one workspace"
                    + ("; give this office its own slack_token_env" if token is None else "")
                )
        seen = token_of_team.setdefault(team, (index, office))[1]
        if _token_source(seen) != token:
            raise ValueError(
                f"{where}.slack_token_env: office '{seen.id}' is in workspace {team} too, "
                "and offices in one workspace share its bot token: give them the same "
                "slack_token_env (or slack_install)"
            )


def _token_source(office: Office) -> str | None:
    """Where an office's bot token comes from: its variable, its installation, or None."""
    return "installation" if office.slack_install else office.slack_token_env


class Config(_Strict):
    """The whole configuration file."""

    offices: tuple[Office, ...] = Field(min_length=1)
    funds: tuple[Fund, ...] = Field(min_length=1)
    forms: tuple[Form, ...] = Field(min_length=1)
    # Where the service keeps its database, spool and outbox when INTAKE_DATA_DIR
    # is not set (a relative path is from this file's folder), so that `intake bids`
    # run from anywhere reads the service's data.
    data_dir: Path | None = None

    @model_validator(mode="after")
    def _references_resolve(self) -> Config:
        offices = {o.id for o in self.offices}
        forms = {f.id for f in self.forms}
        inboxes: dict[str, str] = {}
        for kind, ids in (
            ("office", [o.id for o in self.offices]),
            ("fund", [f.id for f in self.funds]),
            ("form", [f.id for f in self.forms]),
        ):
            if len(ids) != len(set(ids)):
                raise ValueError(f"two {kind}s share an id")
        for fund in self.funds:
            if fund.office not in offices:
                raise ValueError(f"fund '{fund.id}' names unknown office '{fund.office}'")
            if fund.form not in forms:
                raise ValueError(f"fund '{fund.id}' names unknown form '{fund.form}'")
            if fund.inbox in inboxes:
                raise ValueError(
                    f"funds '{inboxes[fund.inbox]}' and '{fund.id}' share inbox {fund.inbox}"
                )
            inboxes[fund.inbox] = fund.id
            form = self.form(fund.form)
            field_ids = {f.id for f in form.fields}
            for document in fund.documents:
                if document.required_if and document.required_if.field not in field_ids:
                    raise ValueError(
                        f"fund '{fund.id}': document '{document.id}' depends on "
                        f"'{document.required_if.field}', which form '{form.id}' does not ask"
                    )
            uses_criteria = any(f.options_from == "fund_criteria" for f in form.fields)
            if uses_criteria and fund.takes_bids and not fund.criteria:
                raise ValueError(f"fund '{fund.id}' uses form '{form.id}' but lists no criteria")
        for office in self.offices:
            if office.routing:
                self._routing_fields_asked(office)
        _one_token_per_workspace(self.offices)
        return self

    def _routing_fields_asked(self, office: Office) -> None:
        """Each answer the routing reads is asked by the form of some fund of the office."""
        asked = {
            field.id
            for fund in self.funds
            if fund.office == office.id and fund.takes_bids
            for field in self.form(fund.form).fields
        }
        for field_id in office.routing.fields if office.routing else ():
            if field_id not in asked:
                raise ValueError(
                    f"office '{office.id}': routing reads '{field_id}', which no form of "
                    "its funds asks"
                )

    def office(self, office_id: str) -> Office:
        return next(o for o in self.offices if o.id == office_id)

    def fund(self, fund_id: str) -> Fund:
        for fund in self.funds:
            if fund.id == fund_id:
                return fund
        raise KeyError(fund_id)

    def matrix(self, fund_id: str | None, office_id: str) -> tuple[Criterion, ...]:
        """The scoring matrix of a fund's bids: the fund panel's criteria, else the office's."""
        fund = next((f for f in self.funds if f.id == fund_id), None)
        if fund is not None and fund.panel.criteria:
            return fund.panel.criteria
        return self.office(office_id).scoring

    def form(self, form_id: str) -> Form:
        for form in self.forms:
            if form.id == form_id:
                return form
        raise KeyError(form_id)

    def fund_for_inbox(self, address: str) -> Fund | None:
        address = address.lower()
        return next((f for f in self.funds if f.inbox == address), None)

    def reminder_days(self, fund: Fund) -> int | None:
        """How many days before a round of ``fund`` closes its incomplete bids are reminded."""
        if fund.reminder_days_before_close is not None:
            return fund.reminder_days_before_close
        return self.office(fund.office).reminder_days_before_close

    def funds_using(self, form_id: str) -> tuple[Fund, ...]:
        return tuple(f for f in self.funds if f.form == form_id)

"""Metric SQL names its tables, columns and stored values from the models (``sqlnames``)."""

from __future__ import annotations

import re
import string
from datetime import timedelta

import pytest
from django.core.exceptions import FieldDoesNotExist

from crm.models import Direction, Message
from insights.metrics import episode_sql, observed_sql, replay_sql
from insights.metrics.sqlnames import NAMES, Literals, Table, sql, sql_literal
from journeys.models import RedemptionReason, StepType
from journeys.services.offers import offer_issue, offer_redeem
from journeys.steps import STEP_TYPES

from .logs import T0, contact

TEMPLATES = {
    "EPISODE_CTES": episode_sql.EPISODE_CTES,
    "EPISODES_SQL": observed_sql.EPISODES_SQL,
    **{name: getattr(replay_sql, name) for name in dir(replay_sql) if name.endswith("_SQL") or name == "ACCEPTED_PAIR"},
}
#: a table of NAMES followed by its alias, as in ``FROM {Message} m``
TABLES = "|".join(name for name, value in NAMES.items() if isinstance(value, Table))
TABLE_ALIAS = re.compile(rf"\{{({TABLES})\}} (\w+)")


def test_every_metric_statement_is_a_template():
    assert set(TEMPLATES) >= {
        "CONVERSATION_SQL",
        "REPLY_SQL",
        "POST_GOAL_SQL",
        "CAPPED_SQL",
        "REDEMPTION_SQL",
        "EPISODES_SQL",
    }


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_statement_holds_no_table_name_and_no_stored_value(name):
    template = TEMPLATES[name]
    assert not re.search(r"\b(crm|journeys)_", template)
    assert re.findall(r"'[^']*'", template) in ([], ["''"])  # the empty string is no stored value


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_statement_reads_every_column_of_a_table_through_its_model(name):
    template = TEMPLATES[name]
    aliases = {alias for _, alias in TABLE_ALIAS.findall(template)}
    assert aliases or name == "ACCEPTED_PAIR"
    literal = [m.group(0) for m in re.finditer(r"\b(\w+)\.(?!\{)(\w+)", template) if m.group(1) in aliases]
    assert literal == []


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_statement_renders_with_the_models_names(name):
    fields = {field.split(".")[0] for _, field, _, _ in string.Formatter().parse(TEMPLATES[name]) if field}
    rendered = sql(TEMPLATES[name], **{f: "0" for f in fields - set(NAMES)})
    assert "{" not in rendered
    assert f"FROM {Message._meta.db_table} m" in rendered or name != "EPISODE_CTES"


def test_names_come_from_the_model_and_its_choices():
    assert str(Table(Message)) == Message._meta.db_table
    assert Table(Message).contact == Message._meta.get_field("contact").column == "contact_id"
    assert Literals(Direction).INBOUND == "'inbound'"
    with pytest.raises(FieldDoesNotExist):
        _ = Table(Message).no_such_field
    with pytest.raises(KeyError):
        _ = Literals(Direction).SIDEWAYS


@pytest.mark.parametrize("value", ["it's", "100%", "a b", 3])
def test_only_plain_values_become_literals(value):
    with pytest.raises(ValueError):
        sql_literal(value)


def test_step_types_are_those_the_journey_steps_accept():
    assert tuple(StepType.values) == STEP_TYPES


@pytest.mark.django_db
def test_redemption_outcomes_are_those_the_offers_service_writes(tenant, channels):
    at, c = T0, contact(tenant)
    offer = offer_issue(tenant=tenant, contact=c, channel=channels["email"], at=at)
    expiring = offer_issue(
        tenant=tenant, contact=c, channel=channels["email"], at=at, expires_at=at + timedelta(days=1)
    )
    reasons = [
        offer_redeem(tenant=tenant, code=offer.code, channel=channels["email"], at=at).reason,
        offer_redeem(tenant=tenant, code=offer.code, channel=channels["email"], at=at).reason,
        offer_redeem(tenant=tenant, code=expiring.code, channel=channels["email"], at=at + timedelta(days=2)).reason,
    ]
    assert reasons == [RedemptionReason.ACCEPTED, RedemptionReason.ALREADY_REDEEMED, RedemptionReason.EXPIRED]

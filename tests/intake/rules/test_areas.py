"""Routing by area: which local area a bid's answers name (pure), and its channel."""

from __future__ import annotations

import pytest

from intake.config.load import bundled_office, load_config, parse_config
from intake.errors import ConfigError
from intake.rules.areas import area_of
from intake.slack.channels import all_channels, channel_for

CONFIG = load_config(bundled_office("all-offices"))
ESSEX = CONFIG.office("essex").routing
WEST_MERCIA = CONFIG.office("west-mercia").routing


def named(fields: dict[str, object]) -> str | None:
    area = area_of(ESSEX, fields)
    return area.id if area else None


@pytest.mark.parametrize(
    ("fields", "area"),
    [
        ({"area": "thurrock"}, "thurrock"),
        ({"area": "southend", "postcode": "RM17 5DS"}, "southend"),  # the tick comes first
        ({"postcode": "SS1 2AB"}, "southend"),
        ({"postcode": "ss17 0aa"}, "thurrock"),  # an outward code beats its postcode area
        ({"postcode": "SS14 1AA"}, "essex"),  # the SS area, no outward code named
        ({"postcode": "CM1"}, "essex"),
        ({"postcode": "Unit 4, Grays"}, "thurrock"),  # a place named in words
        ({"postcode": "Leigh-on-Sea"}, "southend"),
        ({"postcode": "S1 2AB"}, None),  # Sheffield: not the SS area
        ({"postcode": "Graysonville"}, None),  # whole words only
        ({"area": None, "postcode": ""}, None),
        ({}, None),
    ],
)
def test_the_area_an_essex_bid_names(fields: dict[str, object], area: str | None) -> None:
    assert named(fields) == area


def test_no_routing_names_no_area() -> None:
    assert area_of(None, {"area": "thurrock"}) is None


def test_a_bid_goes_to_its_areas_channel_or_falls_back() -> None:
    def channel(**fields: object) -> str:
        return channel_for(CONFIG, office="essex", fund="essex-csdf", fields=fields)

    assert channel(area="thurrock") == "#essex-grants-thurrock"
    assert channel(postcode="SS9 1AA") == "#essex-grants-southend"
    assert channel(postcode="NR1 1AA") == "#essex-grants"
    assert channel_for(CONFIG, office="essex", fund="essex-csdf") == "#essex-grants"
    wm = channel_for(
        CONFIG, office="west-mercia", fund="wm-lpcaf", fields={"local_policing_area": "shropshire"}
    )
    assert wm == "#wm-shropshire"
    # Kent does not route by area: its fund's channel whatever the answers say.
    kent = channel_for(CONFIG, office="kent", fund="safer-in-kent", fields={"location": "Grays"})
    assert kent == "#commissioning"
    # The start-up checks look for every area's channel too.
    assert {"#essex-grants-southend", "#wm-herefordshire"} <= set(all_channels(CONFIG))


ROUTED = """
[offices.routing]
fields = ["{field}"]

[[offices.routing.areas]]
id = "north"
name = "North"
slack_channel = "#north"
{match}
"""


def _kent_with(field: str, match: str) -> str:
    kent = (bundled_office("kent")).read_text()
    marker = "acks_per_sender_per_day = 5\n"
    return kent.replace(marker, marker + ROUTED.format(field=field, match=match), 1)


def test_routing_must_read_an_answer_the_offices_forms_ask() -> None:
    parse_config(_kent_with("location", 'answers = ["north"]'), source="kent")
    with pytest.raises(ConfigError, match="routing reads 'district', which no form"):
        parse_config(_kent_with("district", 'answers = ["north"]'), source="kent")


def test_an_area_must_say_how_it_is_recognised() -> None:
    with pytest.raises(ConfigError, match="give 'answers' or 'postcodes'"):
        parse_config(_kent_with("location", ""), source="kent")
    with pytest.raises(ConfigError, match="postcodes"):
        parse_config(_kent_with("location", 'postcodes = ["12X"]'), source="kent")

"""The shipped mapping of municipalities to labour-market regions, and the rules of mergers."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from domain.errors import InvalidField
from domain.municipalities import UNMAPPED, InvalidMapping, Municipalities, MunicipalityPeriod
from tests.unit.fakes import shipped_municipalities

MERGERS = {  # dissolved code: (its successor, the first day of the successor)
    "GM0398": ("GM1980", date(2022, 1, 1)), "GM0416": ("GM1980", date(2022, 1, 1)),
    "GM0370": ("GM0439", date(2022, 1, 1)),
    "GM0756": ("GM1982", date(2022, 1, 1)), "GM1684": ("GM1982", date(2022, 1, 1)),
    "GM0786": ("GM1982", date(2022, 1, 1)), "GM0815": ("GM1982", date(2022, 1, 1)),
    "GM1702": ("GM1982", date(2022, 1, 1)),
    "GM0856": ("GM1991", date(2022, 1, 1)), "GM1685": ("GM1991", date(2022, 1, 1)),
    "GM0457": ("GM0363", date(2022, 3, 24)),
    "GM0501": ("GM1992", date(2023, 1, 1)), "GM0530": ("GM1992", date(2023, 1, 1)),
    "GM0614": ("GM1992", date(2023, 1, 1)),
}


def test_the_shipped_mapping_has_342_municipalities_in_35_regions_none_empty():
    mapping = shipped_municipalities()
    current = mapping.current()
    assert len(current) == 342
    assert len(mapping.regions()) == 35
    per_region = Counter(mapping.region_of(code) for code in current)
    assert set(per_region) == set(mapping.regions())
    assert min(per_region.values()) >= 3  # Gorinchem is the smallest region
    assert UNMAPPED not in per_region


def test_every_code_of_the_mapping_resolves_to_one_of_the_35_regions():
    mapping = shipped_municipalities()
    regions = set(mapping.regions())
    for code, region in mapping.counted_regions().items():
        assert region in regions, code
    assert len(mapping.counted_regions()) == 342 + len(MERGERS)


def test_every_region_has_one_centrumgemeente_that_lies_in_it():
    mapping = shipped_municipalities()
    centres = mapping.centres()
    assert set(centres) == set(mapping.regions())
    for region, centre in centres.items():
        assert mapping.region_of(centre) == region
        assert centre in mapping.current()
    assert centres["Groot Amsterdam"] == "GM0363" and centres["Rijnmond"] == "GM0599"


@pytest.mark.parametrize("code", sorted(MERGERS))
def test_a_merged_municipality_counts_in_its_successors_region_and_is_valid_until_the_merger(code):
    mapping = shipped_municipalities()
    successor, merged_on = MERGERS[code]
    assert mapping.successor_of(code) == successor
    assert mapping.region_of(code) == mapping.region_of(successor) != UNMAPPED
    assert code not in mapping.current()
    mapping.check_registration(code, date(2021, 6, 1))
    mapping.check_registration(code, date.fromordinal(merged_on.toordinal() - 1))
    with pytest.raises(InvalidField) as refused:
        mapping.check_registration(code, merged_on)
    assert refused.value.name == "municipality" and successor in refused.value.reason
    mapping.check_registration(successor, merged_on)


def test_the_regions_of_the_merged_municipalities_successors():
    mapping = shipped_municipalities()
    assert mapping.region_of("GM1982") == "Noordoost-Brabant"  # Land van Cuijk
    assert mapping.region_of("GM1991") == "Noordoost-Brabant"  # Maashorst
    assert mapping.region_of("GM1980") == "Noord-Holland Noord"  # Dijk en Waard
    assert mapping.region_of("GM0439") == "Zaanstreek/Waterland"  # Purmerend
    assert mapping.region_of("GM1992") == "Rijnmond"  # Voorne aan Zee


def test_a_new_municipality_is_not_valid_before_it_was_formed():
    mapping = shipped_municipalities()
    with pytest.raises(InvalidField, match="did not exist"):
        mapping.check_registration("GM1992", date(2022, 12, 31))
    mapping.check_registration("GM1992", date(2023, 1, 1))


def test_an_unknown_code_is_refused_naming_the_municipality_field():
    with pytest.raises(InvalidField) as refused:
        shipped_municipalities().check_registration("GM9999", date(2026, 1, 5))
    assert refused.value.name == "municipality"
    assert shipped_municipalities().region_of("GM9999") == UNMAPPED


def _mapping(*periods: MunicipalityPeriod) -> Municipalities:
    return Municipalities(periods)


CENTRE = MunicipalityPeriod("GM0001", "A", centre=True)


def test_a_chain_of_mergers_ends_at_the_municipality_that_exists_today():
    mapping = _mapping(
        CENTRE,
        MunicipalityPeriod("GM0002", None, valid_to=date(2020, 1, 1), successor="GM0003"),
        MunicipalityPeriod("GM0003", None, valid_from=date(2020, 1, 1), valid_to=date(2024, 1, 1), successor="GM0001"),
    )
    assert mapping.successor_of("GM0002") == "GM0001"
    assert mapping.region_of("GM0002") == "A"
    assert mapping.members("A") == ["GM0001"]


@pytest.mark.parametrize(
    ("periods", "fault"),
    [
        ((MunicipalityPeriod("GM0001", None),), "no region"),
        ((CENTRE, MunicipalityPeriod("GM0002", "A")), None),
        ((CENTRE, MunicipalityPeriod("GM0002", "B")), "centrumgemeenten"),
        ((CENTRE, MunicipalityPeriod("GM0002", "A", centre=True)), "centrumgemeenten"),
        ((CENTRE, MunicipalityPeriod("GM0002", None, valid_to=date(2022, 1, 1), successor="GM0009")), "does not know"),
        ((CENTRE, MunicipalityPeriod("GM0002", "A", successor="GM0001")), "no date it ended"),
        ((CENTRE, MunicipalityPeriod("GM0002", "A", valid_from=date(2022, 1, 1), valid_to=date(2021, 1, 1))), "before it starts"),
        ((CENTRE, MunicipalityPeriod("GM0001", "A")), "more than one period"),
        ((CENTRE, MunicipalityPeriod("GM0002", None, valid_to=date(2022, 1, 1), successor="GM0003"),
          MunicipalityPeriod("GM0003", "A", valid_from=date(2023, 1, 1))), "does not exist on"),
        ((CENTRE, MunicipalityPeriod("GM0002", None, valid_to=date(2022, 1, 1), successor="GM0001", centre=True)),
         "no longer exists"),
        ((CENTRE, MunicipalityPeriod("GM0002", None, valid_to=date(2022, 1, 1), successor="GM0001"),
          MunicipalityPeriod("GM0002", None, valid_from=date(2021, 1, 1), valid_to=date(2023, 1, 1), successor="GM0001")),
         "overlapping"),
    ],
)
def test_a_mapping_that_breaks_an_invariant_is_refused(periods, fault):
    if fault is None:
        assert _mapping(*periods).regions() == ["A"]
        return
    with pytest.raises(InvalidMapping, match=fault):
        _mapping(*periods)

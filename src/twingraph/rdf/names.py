"""Resolve the names written in records to one IRI per person, organization, city and country."""

from __future__ import annotations

from rdflib import URIRef

from twingraph.model import Dataset
from twingraph.rdf.iris import Minter


class Names:
    """Canonical names and IRIs of a dataset's entities, aliases included."""

    def __init__(self, dataset: Dataset, mint: Minter) -> None:
        self.mint = mint
        self.city_ids = {c.name: c.id for c in dataset.cities}
        self.person_names = {alias: p.name for p in dataset.persons for alias in (p.name, *p.also_written)}
        self.org_names = {
            alias: o.name for o in dataset.organizations for alias in (o.name, o.abbreviation, *o.also_written) if alias
        }

    def person(self, name: str) -> tuple[URIRef, str]:
        canonical = self.person_names.get(name, name)
        return self.mint.named("person", canonical), canonical

    def organization(self, name: str) -> tuple[URIRef, str] | None:
        canonical = self.org_names.get(name)
        return (self.mint.named("organization", canonical), canonical) if canonical else None

    def city(self, name: str) -> URIRef:
        city_id = self.city_ids.get(name)
        return self.mint.city(city_id) if city_id else self.mint.named("city", name)

    def country(self, name: str) -> URIRef:
        return self.mint.named("country", name)

    def agent(self, name: str) -> tuple[URIRef, str, str]:
        """An organization if one is declared by that name, else a city."""
        org = self.organization(name)
        if org:
            return org[0], org[1], "organization"
        return self.city(name), name, "city"

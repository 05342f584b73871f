"""Factories of the facility registry."""

from __future__ import annotations

import factory

from remedia.facilities.models import Facility
from remedia.facilities.services import facility_index


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Confecciones de prueba {n}")
    municipality = "Aguascalientes"
    state = "MX-AGU"

    @factory.post_generation
    def search_index(self, create: bool, extracted: object, **kwargs: object) -> None:
        # As every service that creates a facility does: findable at once.
        if create:
            facility_index(facility=self)

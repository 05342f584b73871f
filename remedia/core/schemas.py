"""The base of API answers that handlers build as plain dicts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AnswerSchema(BaseModel):
    """An answer schema validated by pydantic alone.

    Django Ninja's `Schema` wraps every nested object in a getter so that it
    can read model instances and `resolve_*` methods; validating a page of 50
    cases that way cost more than reading them from the database (1.6 ms
    against 0.1 ms). A handler that builds its answer as dicts needs none of
    it: the same dicts validate into the same answer, with the same JSON.
    Attributes are still read (`from_attributes`), without Ninja's getter:
    no `resolve_*` methods, no managers turned into lists.
    """

    model_config = ConfigDict(from_attributes=True)

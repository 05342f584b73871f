"""The service kit: one invalid-input helper, model_update, the views' checks."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.core.errors import ApplicationError, InvalidInput, NotFound
from remedia.core.forms import errors_onto
from remedia.core.kit import (
    capability_require,
    clean_text,
    invalid,
    invalid_from,
    invalid_missing,
    model_update,
    or_404,
    or_invalid,
    request_user,
    text_field,
)
from tests.support.factories.accounts import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)


def test_invalid_names_one_field_and_its_reason():
    exc = invalid("body", "Escriba la nota.")

    assert exc.errors == [{"field": "body", "reason": "Escriba la nota."}]
    assert exc.status_code == 422


def test_invalid_from_keeps_fields_and_names_the_rest_as_told():
    # given a model's refusal with a field error and a non-field one
    exc = ValidationError({"title": ["Vacío."], "__all__": ["Fechas cruzadas."]})

    # when it becomes InvalidInput with a prefix and a name for the rest
    result = invalid_from(exc, prefix="measures.0.", non_field="measures.0.")

    # then
    assert result.errors == [
        {"field": "measures.0.title", "reason": "Vacío."},
        {"field": "measures.0.", "reason": "Fechas cruzadas."},
    ]
    assert invalid_from(exc).errors[1]["field"] == "__all__"
    assert invalid_from(exc, non_field="").errors[1]["field"] == ""


def test_invalid_from_a_refusal_without_fields():
    result = invalid_from(ValidationError("Mal."), non_field="body")

    assert result.errors == [{"field": "body", "reason": "Mal."}]


def test_clean_text_drops_control_characters_and_non_strings():
    assert clean_text("  hola\x00 mundo\n\t ") == "hola mundo"
    assert clean_text("línea\nsiguiente") == "línea\nsiguiente"
    assert clean_text(None) == ""
    assert clean_text(42) == ""


def test_text_field_raises_alone_and_collects_when_given_a_list():
    with pytest.raises(InvalidInput) as caught:
        text_field("", field="name", limit=10, required=True)
    assert caught.value.errors == [
        {"field": "name", "reason": "Este campo es obligatorio."}
    ]

    errors: list[dict[str, object]] = []
    text = text_field("x" * 11, field="name", limit=10, errors=errors)
    assert text == "x" * 11
    assert [str(e["reason"]) for e in errors] == [
        "Es demasiado largo (máximo 10 caracteres)."
    ]
    assert text_field(" ok ", field="name", limit=10) == "ok"


@pytest.mark.django_db
def test_model_update_saves_only_what_changed():
    # given an organisation
    organisation = OrganisationFactory(name="Antes", short_name="A")
    before = organisation.updated_at

    # when only the name differs
    with CaptureQueriesContext(connection) as queries:
        organisation, changed = model_update(
            instance=organisation,
            fields=["name", "short_name"],
            data={"name": "Después", "short_name": "A", "sector": "ignored"},
        )

    # then one UPDATE writes the name and updated_at, nothing else
    assert changed is True
    (update,) = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('UPDATE "accounts_organisation"')
    ]
    assert '"name"' in update
    assert '"updated_at"' in update
    assert '"short_name"' not in update
    organisation.refresh_from_db()
    assert organisation.name == "Después"
    assert organisation.updated_at > before
    assert organisation.sector != "ignored"


@pytest.mark.django_db
def test_model_update_without_change_writes_nothing(django_assert_num_queries):
    organisation = OrganisationFactory(name="Igual")

    with django_assert_num_queries(0):
        _, changed = model_update(
            instance=organisation, fields=["name"], data={"name": "Igual"}
        )

    assert changed is False


@pytest.mark.django_db
def test_model_update_refuses_what_full_clean_refuses():
    organisation = OrganisationFactory(name="Válida")

    with pytest.raises(InvalidInput) as caught:
        model_update(instance=organisation, fields=["name"], data={"name": ""})

    assert caught.value.errors[0]["field"] == "name"
    assert Organisation.objects.get(pk=organisation.pk).name == "Válida"


@pytest.mark.django_db
def test_capability_require_hides_the_page_or_forbids_it():
    # given a handler and a user with no membership
    handler = MembershipFactory(user=UserFactory(password=None), role="handler").user
    stranger = UserFactory(password=None)
    request = RequestFactory().get("/")

    # when each asks for a page of case handlers
    request.user = handler
    capability_require(request, Capability.CASE_READ)

    # then the stranger gets a 404, or a 403 where the page is no secret
    request.user = stranger
    with pytest.raises(Http404):
        capability_require(request, Capability.CASE_READ)
    with pytest.raises(DjangoPermissionDenied):
        capability_require(request, Capability.CASE_READ, forbidden=True)


def test_or_404_turns_not_found_into_the_page_404():
    def missing() -> None:
        raise NotFound()

    assert or_404(lambda: 7) == 7
    with pytest.raises(Http404):
        or_404(missing)


def test_or_invalid_refuses_an_id_in_a_body_like_a_missing_one():
    # Given a fetch that finds nothing the caller may see
    def missing() -> None:
        raise NotFound()

    # Then a found object comes back, and a missing one is a 422 on the field
    assert or_invalid(lambda: 7, field="course_id") == 7
    with pytest.raises(InvalidInput) as refused:
        or_invalid(missing, field="course_id")
    assert refused.value.errors == invalid_missing("course_id").errors
    assert [e["field"] for e in refused.value.errors] == ["course_id"]
    assert str(refused.value.errors[0]["reason"]) == "No encontrado."


class _CourseForm(forms.Form):
    course = forms.CharField()
    company_name = forms.CharField()


def test_errors_onto_puts_each_reason_beside_its_field():
    # Given a form and a service's refusal naming fields its own way
    form = _CourseForm(data={"course": "x", "company_name": "y"})
    assert form.is_valid()
    refusal = InvalidInput(
        [
            {"field": "course_id", "reason": "No encontrado."},
            {"field": "parties.0.name", "reason": "Falta el nombre."},
            {"field": "deadline", "reason": "Fecha no válida."},
        ]
    )

    # When the view shows it on the form
    errors_onto(form, refusal, **{"parties.0.name": "company_name"})

    # Then "course_id" lands on "course", the alias on its field, the rest above
    assert form.errors["course"] == ["No encontrado."]
    assert form.errors["company_name"] == ["Falta el nombre."]
    assert form.non_field_errors() == ["Fecha no válida."]


def test_errors_onto_puts_any_other_refusal_above_the_form():
    form = _CourseForm(data={"course": "x", "company_name": "y"})
    assert form.is_valid()

    errors_onto(form, ApplicationError("No se puede."))

    assert form.non_field_errors() == ["No se puede."]


def test_request_user_is_the_token_user_in_the_api():
    request = RequestFactory().get("/")
    request.user = "session user"  # type: ignore[assignment]
    assert request_user(request) == "session user"

    request.auth = "token user"  # type: ignore[attr-defined]
    assert request_user(request) == "token user"

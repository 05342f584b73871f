"""The staff pages of courses: what each role sees and does, in Spanish and English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.utils import timezone

from remedia.remediation import services, views
from remedia.remediation.models import (
    Course,
    Evidence,
    EvidenceStatus,
    MeasureStatus,
)
from tests.intake.support import jpeg_with_gps
from tests.support.factories.accounts import member
from tests.support.remediation import World

pytestmark = pytest.mark.django_db

NOTE = "La gerencia retiró la declaración del comedor el viernes."


def _urls(course: Course) -> dict[str, str]:
    measure = course.measures.get(position=1)
    return {
        "list": "/staff/remediation/",
        "detail": f"/staff/remediation/{course.pk}/",
        "measure": f"/staff/remediation/{course.pk}/measures/{measure.pk}/",
    }


@pytest.mark.parametrize("language", ["es-mx", "en"])
@pytest.mark.parametrize("role", ["monitor", "analyst", "officer"])
def test_each_party_reads_every_page_in_both_languages(
    client, enter, world: World, course: Course, role: str, language: str
) -> None:
    enter(getattr(world, role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    urls = _urls(course)

    pages = {name: client.get(url) for name, url in urls.items()}

    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        assert "<script>" not in html  # CSP: no inline script
    assert course.title in pages["list"].content.decode()
    assert world.facility.name in pages["detail"].content.decode()
    pending = "Pending" if language == "en" else "Pendiente"
    assert pending in pages["detail"].content.decode()
    home = client.get("/staff/").content.decode()
    assert f'href="{urls["list"]}"' in home


def test_the_list_shows_progress_overdue_and_filters(
    client, enter, world: World, course: Course
) -> None:
    fresh = services.course_create(
        user=world.monitor.user,
        title="Plan nuevo sin vencidas",
        facility=world.facility,
        origin="brand",
        deadline=timezone.localdate() + dt.timedelta(days=60),
        measures=[services.MeasureSpec(type="reinstatement")],
    )
    enter(world.monitor)

    page = client.get("/staff/remediation/").content.decode()

    assert page.index(course.title) < page.index(fresh.title)  # deadline order
    assert '<progress max="7" value="0"' in page
    assert "0 de 7 verificadas (0 %)" in page
    assert '<strong class="step-overdue">7</strong>' in page
    overdue_only = client.get("/staff/remediation/", {"overdue": "on"}).content.decode()
    assert course.title in overdue_only
    assert fresh.title not in overdue_only
    brand = client.get("/staff/remediation/", {"origin": "brand"}).content.decode()
    assert fresh.title in brand
    assert course.title not in brand
    # On the course page every measure past its due day is flagged.
    detail = client.get(f"/staff/remediation/{course.pk}/").content.decode()
    assert detail.count('<li class="card warning" data-measure=') == 7
    assert detail.count("vencida</strong>") == 7
    assert (
        '<li class="card warning"'
        not in client.get(f"/staff/remediation/{fresh.pk}/").content.decode()
    )
    # A filter value that is no choice shows everything rather than failing.
    odd = client.get("/staff/remediation/", {"status": "nonsense"})
    assert odd.status_code == 200


def test_strangers_and_other_roles_get_404(
    client, enter, world: World, course: Course
) -> None:
    urls = _urls(course)
    enter(world.stranger)
    assert client.get(urls["detail"]).status_code == 404
    assert client.get(urls["measure"]).status_code == 404
    assert course.title not in client.get(urls["list"]).content.decode()
    handler = type("Staff", (), {"user": member("handler", world.monitor_org)})()
    enter(handler)
    assert client.get(urls["list"]).status_code == 404
    assert client.get(urls["detail"]).status_code == 404
    assert urls["list"] not in client.get("/staff/").content.decode()


def test_the_measure_page_gives_each_role_its_part(
    client, enter, world: World, course: Course
) -> None:
    measure = course.measures.select_related("course").get(position=1)
    services.measure_note_add(measure=measure, user=world.monitor.user, body=NOTE)
    url = _urls(course)["measure"]

    enter(world.officer)
    officer = client.get(url).content.decode()
    assert 'capture="environment"' in officer
    assert 'accept="image/*,application/pdf"' in officer
    assert 'enctype="multipart/form-data"' in officer
    assert NOTE not in officer
    assert 'id="notes"' not in officer
    assert 'value="in_progress"' in officer  # may say it started
    assert 'value="verified"' not in officer

    enter(world.analyst)
    analyst = client.get(url).content.decode()
    assert NOTE in analyst
    assert 'id="evidence-file"' not in analyst
    assert 'id="status"' not in analyst
    assert "note_body" not in analyst

    enter(world.monitor)
    monitor = client.get(url).content.decode()
    assert NOTE in monitor
    assert 'id="status"' in monitor
    assert 'id="note_body"' in monitor
    assert 'id="evidence-file"' in monitor
    assert measure.required_evidence[:40] in monitor


def test_upload_accept_and_verify_through_the_pages(
    client,
    enter,
    world: World,
    course: Course,
    data_dir,  # noqa: F811
) -> None:
    measure = course.measures.get(position=1)
    urls = _urls(course)
    base = urls["measure"]

    enter(world.officer)
    photo = SimpleUploadedFile("comedor.jpg", jpeg_with_gps("Canon"), "image/jpeg")
    response = client.post(
        f"{base}evidence/", {"file": photo, "description": "Comedor, junto al reloj"}
    )
    assert response.status_code == 302
    page = client.get(base).content.decode()
    assert "Evidencia recibida, sin metadatos" in page
    evidence = Evidence.objects.get(measure=measure)
    assert (
        b"Canon" not in (data_dir / "remediation-evidence" / evidence.blob).read_bytes()
    )
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS
    download = client.get(f"{base}evidence/{evidence.pk}/")
    assert download.status_code == 200
    assert download["Cache-Control"] == "no-store"

    # A file of the wrong type: a clear error, nothing kept.
    client.post(f"{base}evidence/", {"file": SimpleUploadedFile("a.txt", b"hola")})
    assert "no se acepta" in client.get(base).content.decode()
    assert Evidence.objects.count() == 1
    # The officer cannot review.
    client.post(f"{base}evidence/{evidence.pk}/review/", {"decision": "accepted"})
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED

    enter(world.monitor)
    client.post(f"{base}status/", {"status": "done"})
    client.post(f"{base}status/", {"status": "verified"})
    refused = client.get(base).content.decode()
    assert "al menos una evidencia aceptada" in refused
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE

    client.post(f"{base}evidence/{evidence.pk}/review/", {"decision": "accepted"})
    client.post(f"{base}status/", {"status": "verified"})

    measure.refresh_from_db()
    assert measure.status == MeasureStatus.VERIFIED
    detail = client.get(urls["detail"]).content.decode()
    assert "1 de 7 medidas verificadas (14 %)" in detail


def test_a_monitor_creates_a_course_through_the_form(
    client, enter, world: World
) -> None:
    enter(world.monitor)
    form = client.get(
        "/staff/remediation/new/", {"fq": "INISA Rincon"}
    ).content.decode()
    assert world.facility.name in form
    assert f'value="{world.facility.pk}"' in form
    search = client.get("/staff/remediation/facility-search/", {"fq": "INISA"})
    assert world.facility.name in search.content.decode()

    missing = client.post("/staff/remediation/new/", {"title": "Sin centro"})
    assert missing.status_code == 200
    assert "Busque y elija el centro de trabajo." in missing.content.decode()
    assert not Course.objects.exists()

    response = client.post(
        "/staff/remediation/new/",
        {
            "title": "Plan INISA 2024",
            "facility_id": str(world.facility.pk),
            "origin": "inspection",
            "deadline": "2030-05-01",
            "company_organisation": str(world.company.pk),
            "measure_types": ["neutrality_statement", "personnel_training"],
        },
    )

    course = Course.objects.get(title="Plan INISA 2024")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/remediation/{course.pk}/"
    assert list(course.measures.values_list("type", flat=True)) == [
        "neutrality_statement",
        "personnel_training",
    ]
    assert course.parties.filter(organisation=world.company, role="company").exists()
    enter(world.analyst)
    assert client.get("/staff/remediation/new/").status_code == 404


def test_other_apps_add_sections_to_the_pages(
    client, enter, world: World, course: Course
) -> None:
    def survey_section(request, measure) -> str:
        return render_to_string(
            "remediation/facility_results.html", {"facility_query": "zzz"}
        )

    def careless_section(request, course) -> str:
        return "<b>sin escapar</b>"

    views.measure_section_register(survey_section)
    views.course_section_register(careless_section)
    try:
        enter(world.monitor)
        urls = _urls(course)
        assert 'id="facility-results"' in client.get(urls["measure"]).content.decode()
        detail = client.get(urls["detail"]).content.decode()
        assert "&lt;b&gt;sin escapar&lt;/b&gt;" in detail
    finally:
        views._measure_sections.remove(survey_section)
        views._course_sections.remove(careless_section)

"""The screening engine, rule by rule, at the boundaries of each rule.

Every interview goes in through `interview_from_answers`, as a form or the API
posts it. The expected weights, ages and services are written out here, not
read from the engine's tables, so a changed table fails a test.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from remedia.core.errors import InvalidInput
from remedia.protection.screening import (
    ANSWER_KEYS,
    DISCLAIMER,
    INDICATOR_CODES,
    QUESTIONS,
    RULES,
    SERVICE_HINTS,
    Answer,
    Assessment,
    ChildLabourVerdict,
    FindingStatus,
    ForcedLabourLevel,
    Interview,
    ServiceType,
    TraffickingReason,
    Weight,
    assess,
    interview_from_answers,
)

ELEVEN = (
    "abuse_of_vulnerability",
    "deception",
    "restriction_of_movement",
    "isolation",
    "physical_sexual_violence",
    "intimidation_threats",
    "retention_of_documents",
    "withholding_of_wages",
    "debt_bondage",
    "abusive_conditions",
    "excessive_overtime",
)
CHILD_WORK_KEYS = (
    "hours_per_day",
    "longest_block_hours",
    "night_work",
    "hazardous_work",
    "overtime",
    "rest_day_work",
    "finished_basic_education",
    "labour_authority_approval",
    "guardian_authorisation",
    "medical_certificate",
)

# A worker for whom every answer is known and nothing is wrong: each test
# changes one answer, so what it shows is that one rule.
CLEAN: dict[str, Any] = {
    **dict.fromkeys(ELEVEN, "no"),
    "free_to_leave": "yes",
    "recruited_or_moved": "no",
    "hours_per_day": 6,
    "longest_block_hours": 3,
    "night_work": "no",
    "hazardous_work": "no",
    "overtime": "no",
    "rest_day_work": "no",
    "finished_basic_education": "yes",
    "guardian_authorisation": "yes",
    "medical_certificate": "yes",
}


def screen(**answers: Any) -> Assessment:
    return assess(interview_from_answers(answers))


def screen_clean(**changes: Any) -> Assessment:
    return screen(**{**CLEAN, **changes})


def codes(assessment: Assessment, status: FindingStatus | None = None) -> set[str]:
    return {f.code for f in assessment.findings if status is None or f.status == status}


def services(assessment: Assessment) -> list[str]:
    return [str(step.service) for step in assessment.next_steps]


def refusal(answers: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        interview_from_answers(answers)
    return [(e["field"], str(e["reason"])) for e in caught.value.errors]


# --- The clean baseline -------------------------------------------------------------


@pytest.mark.parametrize("age", [15, 16, 17])
def test_a_minor_of_15_to_17_with_every_condition_met_may_work(age):
    # Given an adolescent with authorisation, certificate, schooling, 6 hours
    # in blocks of 3 and nothing forbidden, when screened,
    assessment = screen_clean(age=age)
    # then the work is permitted, nothing is open, and no service is needed.
    assert assessment.child_labour == ChildLabourVerdict.PERMITTED
    assert assessment.forced_labour == ForcedLabourLevel.NO_INDICATORS
    assert assessment.open_questions == ()
    assert assessment.next_steps == ()
    assert assessment.minor is True


def test_at_18_the_child_labour_rules_no_longer_apply():
    assessment = screen_clean(
        age=18,
        night_work="yes",
        hazardous_work="yes",
        overtime="yes",
        rest_day_work="yes",
        guardian_authorisation="no",
        medical_certificate="no",
        finished_basic_education="no",
        hours_per_day=8,
        longest_block_hours=8,
    )
    assert assessment.child_labour == ChildLabourVerdict.NOT_APPLICABLE
    assert not [f for f in assessment.findings if f.topic == "child_labour"]
    assert assessment.minor is False
    assert assessment.next_steps == ()


# --- Minimum age --------------------------------------------------------------------


@pytest.mark.parametrize("age", [5, 10, 14])
def test_work_under_15_is_prohibited_whatever_the_conditions(age):
    assessment = screen_clean(age=age)
    assert assessment.child_labour == ChildLabourVerdict.PROHIBITED
    finding = assessment.finding("child_labour.under_15")
    assert finding is not None
    assert finding.status == FindingStatus.BREACH
    assert finding.reference == "Constitución art. 123-A fr. III; LFT arts. 22 Bis y 23"
    assert "deje de trabajar de inmediato" in str(finding.text)


def test_the_minimum_age_is_15_not_14():
    assert screen_clean(age=14).child_labour == ChildLabourVerdict.PROHIBITED
    assert screen_clean(age=15).child_labour == ChildLabourVerdict.PERMITTED
    assert screen_clean(age=15).finding("child_labour.under_15") is None


def test_prohibition_outranks_every_other_breach():
    # Given a 14-year-old on a night shift without a certificate,
    assessment = screen_clean(age=14, night_work="yes", medical_certificate="no")
    # then the verdict is the prohibition, and the night work is still named.
    assert assessment.child_labour == ChildLabourVerdict.PROHIBITED
    assert "child_labour.night_work" in codes(assessment, FindingStatus.BREACH)


# --- Conditions for 15 to 17 --------------------------------------------------------


@pytest.mark.parametrize("age", [15, 16])
def test_at_15_and_16_work_needs_a_guardians_authorisation(age):
    assessment = screen_clean(age=age, guardian_authorisation="no")
    assert assessment.child_labour == ChildLabourVerdict.CONDITIONS_MISSING
    finding = assessment.finding("child_labour.guardian_authorisation")
    assert finding is not None
    assert finding.status == FindingStatus.CONDITION_MISSING
    assert finding.reference == "LFT art. 22"


def test_at_17_no_guardians_authorisation_is_needed():
    assessment = screen_clean(age=17, guardian_authorisation="no")
    assert assessment.child_labour == ChildLabourVerdict.PERMITTED
    assert assessment.finding("child_labour.guardian_authorisation") is None
    # nor is it asked when unknown
    unknown = screen_clean(age=17, guardian_authorisation="unknown")
    assert "guardian_authorisation" not in unknown.open_questions


@pytest.mark.parametrize("age", [15, 17])
def test_15_to_17_need_a_medical_certificate(age):
    assessment = screen_clean(age=age, medical_certificate="no")
    assert assessment.child_labour == ChildLabourVerdict.CONDITIONS_MISSING
    finding = assessment.finding("child_labour.medical_certificate")
    assert finding is not None
    assert finding.status == FindingStatus.CONDITION_MISSING
    assert finding.reference == "LFT art. 174"


def test_with_a_medical_certificate_nothing_is_missing():
    assessment = screen_clean(age=17, medical_certificate="yes")
    assert assessment.finding("child_labour.medical_certificate") is None


@pytest.mark.parametrize("age", [15, 17])
def test_without_basic_education_work_needs_the_labour_authoritys_approval(age):
    refused = screen_clean(
        age=age, finished_basic_education="no", labour_authority_approval="no"
    )
    assert refused.child_labour == ChildLabourVerdict.CONDITIONS_MISSING
    finding = refused.finding("child_labour.basic_education")
    assert finding is not None
    assert finding.reference == "LFT art. 22 Bis"

    approved = screen_clean(
        age=age, finished_basic_education="no", labour_authority_approval="yes"
    )
    assert approved.child_labour == ChildLabourVerdict.PERMITTED


def test_the_approval_is_asked_only_once_schooling_is_known_unfinished():
    # Schooling unknown: ask about schooling, not yet about the approval.
    unknown = screen_clean(age=16, finished_basic_education="unknown")
    assert "finished_basic_education" in unknown.open_questions
    assert "labour_authority_approval" not in unknown.open_questions
    # Not finished, approval unknown: now the approval is the open question.
    unfinished = screen_clean(age=16, finished_basic_education="no")
    assert unfinished.child_labour == ChildLabourVerdict.UNKNOWN
    assert unfinished.open_questions == ("labour_authority_approval",)
    # Finished: the approval never matters.
    assert screen_clean(age=16).open_questions == ()


# --- What no one under 18 may do ----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("hazardous_work", "child_labour.hazardous_work"),
        ("night_work", "child_labour.night_work"),
        ("overtime", "child_labour.overtime"),
        ("rest_day_work", "child_labour.rest_day_work"),
    ],
)
def test_under_18_hazardous_night_overtime_and_rest_day_work_are_breaches(key, code):
    at_17 = screen_clean(age=17, **{key: "yes"})
    assert at_17.child_labour == ChildLabourVerdict.RESTRICTIONS_BREACHED
    assert code in codes(at_17, FindingStatus.BREACH)

    at_18 = screen_clean(age=18, **{key: "yes"})
    assert at_18.child_labour == ChildLabourVerdict.NOT_APPLICABLE
    assert code not in codes(at_18)


def test_night_work_names_the_constitution_and_the_lft():
    finding = screen_clean(age=17, night_work="yes").finding("child_labour.night_work")
    assert finding is not None
    assert finding.reference == "Constitución art. 123-A fr. II; LFT art. 175"
    assert "22:00" in str(finding.text)


def test_a_breach_outranks_a_missing_condition():
    assessment = screen_clean(age=16, night_work="yes", medical_certificate="no")
    assert assessment.child_labour == ChildLabourVerdict.RESTRICTIONS_BREACHED
    assert "child_labour.medical_certificate" in codes(
        assessment, FindingStatus.CONDITION_MISSING
    )


def test_more_than_8_hours_is_overtime_for_a_minor_even_if_the_screener_says_no():
    eight = screen_clean(age=17, hours_per_day=8, longest_block_hours=3)
    assert eight.child_labour == ChildLabourVerdict.PERMITTED
    nine = screen_clean(age=17, hours_per_day=9, longest_block_hours=3)
    assert nine.child_labour == ChildLabourVerdict.RESTRICTIONS_BREACHED
    finding = nine.finding("child_labour.over_8_hours")
    assert finding is not None
    assert finding.verify is True  # the 8-hour day comes from outside protection.md


# --- Under 16: hours and blocks -----------------------------------------------------


def test_under_16_six_hours_a_day_is_the_most():
    six = screen_clean(age=15, hours_per_day=6)
    assert six.child_labour == ChildLabourVerdict.PERMITTED
    seven = screen_clean(age=15, hours_per_day=7)
    assert seven.child_labour == ChildLabourVerdict.RESTRICTIONS_BREACHED
    finding = seven.finding("child_labour.daily_hours")
    assert finding is not None
    assert finding.reference == "Constitución art. 123-A fr. III; LFT art. 177"


def test_at_16_seven_hours_a_day_is_not_a_breach():
    assessment = screen_clean(age=16, hours_per_day=7, longest_block_hours=4)
    assert assessment.child_labour == ChildLabourVerdict.PERMITTED
    assert assessment.finding("child_labour.daily_hours") is None
    assert assessment.finding("child_labour.work_block") is None


def test_under_16_a_block_is_at_most_3_hours():
    three = screen_clean(age=15, hours_per_day=6, longest_block_hours=3)
    assert three.finding("child_labour.work_block") is None
    four = screen_clean(age=15, hours_per_day=6, longest_block_hours=4)
    assert four.child_labour == ChildLabourVerdict.RESTRICTIONS_BREACHED
    assert "child_labour.work_block" in codes(four, FindingStatus.BREACH)


def test_the_block_need_not_be_asked_of_a_day_of_3_hours_or_less():
    short = screen_clean(age=15, hours_per_day=3, longest_block_hours=None)
    assert short.child_labour == ChildLabourVerdict.PERMITTED
    assert "longest_block_hours" not in short.open_questions
    longer = screen_clean(age=15, hours_per_day=5, longest_block_hours=None)
    assert longer.child_labour == ChildLabourVerdict.UNKNOWN
    assert longer.open_questions == ("longest_block_hours",)


def test_the_rest_between_blocks_is_shown_as_guidance_to_verify():
    # Given a 15-year-old working more than one block, when screened,
    finding = screen_clean(age=15, hours_per_day=6).finding(
        "child_labour.rest_between_blocks"
    )
    # then a note to verify, which neither breaks nor clears the rule.
    assert finding is not None
    assert finding.status == FindingStatus.NOTE
    assert finding.verify is True
    assert "por verificar" in str(finding.text)
    assert (
        screen_clean(age=15, hours_per_day=3).finding(
            "child_labour.rest_between_blocks"
        )
        is None
    )
    assert (
        screen_clean(age=16, hours_per_day=6).finding(
            "child_labour.rest_between_blocks"
        )
        is None
    )


def test_the_hazardous_list_is_guidance_to_verify():
    finding = screen_clean(age=16, hazardous_work="yes").finding(
        "child_labour.hazardous_work"
    )
    assert finding is not None
    assert finding.verify is True
    assert "art. 176 (por verificar)" in str(finding.text)


def test_the_verify_facts_of_protection_md_are_flagged_and_firm_rules_are_not():
    flagged = {rule.code for rule in RULES if rule.verify}
    assert {
        "child_labour.hazardous_work",
        "child_labour.rest_between_blocks",
    } <= flagged
    assert not flagged & {
        "child_labour.under_15",
        "child_labour.guardian_authorisation",
        "child_labour.basic_education",
        "child_labour.medical_certificate",
        "child_labour.night_work",
        "child_labour.daily_hours",
        "child_labour.work_block",
    }


def test_every_rule_names_its_legal_reference():
    for rule in RULES:
        assert rule.reference.startswith(("Constitución", "LFT")), rule.code


# --- Age bands when the exact age is not known --------------------------------------


def test_under_15_band_is_prohibited_without_asking_the_exact_age():
    assessment = screen_clean(age_band="under_15")
    assert assessment.child_labour == ChildLabourVerdict.PROHIBITED
    assert "age" not in assessment.open_questions


def test_15_to_17_band_a_rule_for_under_16_depends_on_the_exact_age():
    # Given an adolescent of 15 to 17 who works 7 hours, when screened,
    assessment = screen_clean(age_band="15_17", hours_per_day=7)
    # then the 6-hour rule may be broken: ask the age, and say why.
    assert assessment.child_labour == ChildLabourVerdict.UNKNOWN
    finding = assessment.finding("child_labour.daily_hours")
    assert finding is not None
    assert finding.status == FindingStatus.NEEDS_ANSWER
    assert finding.questions == ("age",)
    assert str(finding.detail) == "Aplica si tiene menos de 16 años."
    assert assessment.open_questions == ("age",)


def test_15_to_17_band_a_rule_for_all_of_them_applies_for_certain():
    assessment = screen_clean(age_band="15_17", medical_certificate="no")
    assert assessment.child_labour == ChildLabourVerdict.CONDITIONS_MISSING


def test_15_to_17_band_without_authorisation_may_be_17_so_the_age_is_asked():
    # The authorisation is for 15 and 16 only: at 17 its absence is no problem.
    assessment = screen_clean(age_band="15_17", guardian_authorisation="no")
    assert assessment.child_labour == ChildLabourVerdict.UNKNOWN
    finding = assessment.finding("child_labour.guardian_authorisation")
    assert finding is not None
    assert finding.status == FindingStatus.NEEDS_ANSWER
    assert str(finding.detail) == "Aplica si tiene 15 o 16 años."
    assert assessment.open_questions == ("age",)


def test_15_to_17_band_that_meets_every_rule_needs_no_exact_age():
    assessment = screen_clean(age_band="15_17")
    assert assessment.child_labour == ChildLabourVerdict.PERMITTED
    assert "age" not in assessment.open_questions


def test_minor_band_may_be_under_15_so_the_age_is_asked():
    assessment = screen_clean(age_band="minor")
    assert assessment.child_labour == ChildLabourVerdict.UNKNOWN
    finding = assessment.finding("child_labour.under_15")
    assert finding is not None
    assert finding.status == FindingStatus.NEEDS_ANSWER
    assert "age" in assessment.open_questions
    assert assessment.minor is True


def test_minor_band_with_night_work_is_a_breach_for_certain():
    assessment = screen_clean(age_band="minor", night_work="yes")
    assert assessment.child_labour == ChildLabourVerdict.RESTRICTIONS_BREACHED


def test_adult_band_is_not_asked_about_child_labour():
    assessment = screen(age_band="adult")
    assert assessment.child_labour == ChildLabourVerdict.NOT_APPLICABLE
    assert not set(CHILD_WORK_KEYS) & set(assessment.open_questions)
    assert "age" not in assessment.open_questions


def test_unknown_age_leaves_child_labour_open():
    assessment = screen(**{**CLEAN, "age_band": "unknown"})
    assert assessment.child_labour == ChildLabourVerdict.UNKNOWN
    assert assessment.minor is None
    assert assessment.open_questions == ("age",)


# --- Open questions -----------------------------------------------------------------


def test_an_empty_interview_lists_every_question_that_matters_in_order():
    assessment = screen()
    assert assessment.open_questions == (
        "age",
        *ELEVEN,
        "free_to_leave",
        "recruited_or_moved",
        "hours_per_day",
        "longest_block_hours",
        "night_work",
        "hazardous_work",
        "overtime",
        "rest_day_work",
        "finished_basic_education",
        "guardian_authorisation",
        "medical_certificate",
    )
    assert assessment.child_labour == ChildLabourVerdict.UNKNOWN
    assert assessment.forced_labour == ForcedLabourLevel.UNKNOWN


def test_an_unanswered_condition_is_a_finding_not_a_pass():
    # Given a 16-year-old whose certificate nobody asked about,
    assessment = screen_clean(age=16, medical_certificate="unknown")
    # then the verdict waits for the answer, and the finding says which.
    assert assessment.child_labour == ChildLabourVerdict.UNKNOWN
    finding = assessment.finding("child_labour.medical_certificate")
    assert finding is not None
    assert finding.status == FindingStatus.NEEDS_ANSWER
    assert finding.questions == ("medical_certificate",)
    assert assessment.open_questions == ("medical_certificate",)


def test_unanswered_indicators_are_open_and_named():
    assessment = screen_clean(age=30, deception="unknown", free_to_leave="unknown")
    assert assessment.forced_labour == ForcedLabourLevel.UNKNOWN
    finding = assessment.finding("forced_labour.unanswered")
    assert finding is not None
    assert finding.questions == ("deception", "free_to_leave")
    assert assessment.open_questions == ("deception", "free_to_leave")


# --- Forced labour: weights and threshold -------------------------------------------

STRONG_FOR_ADULTS = {
    "deception",
    "restriction_of_movement",
    "isolation",
    "physical_sexual_violence",
    "retention_of_documents",
    "debt_bondage",
    "excessive_overtime",
}
MEDIUM_FOR_ADULTS = {
    "abuse_of_vulnerability",
    "intimidation_threats",
    "withholding_of_wages",
    "abusive_conditions",
}


def test_the_eleven_indicators_are_the_ilo_codes():
    assert INDICATOR_CODES == ELEVEN
    assert STRONG_FOR_ADULTS | MEDIUM_FOR_ADULTS == set(ELEVEN)


@pytest.mark.parametrize("code", sorted(STRONG_FOR_ADULTS))
def test_one_strong_indicator_makes_forced_labour_likely(code):
    assessment = screen_clean(age=30, **{code: "yes"})
    assert assessment.strong_indicators == (code,)
    assert assessment.medium_indicators == ()
    assert assessment.forced_labour == ForcedLabourLevel.LIKELY
    finding = assessment.finding(f"forced_labour.{code}")
    assert finding is not None
    assert finding.weight == Weight.STRONG
    assert finding.status == FindingStatus.INDICATOR


@pytest.mark.parametrize("code", sorted(MEDIUM_FOR_ADULTS))
def test_one_medium_indicator_is_below_the_threshold(code):
    assessment = screen_clean(age=30, **{code: "yes"})
    assert assessment.medium_indicators == (code,)
    assert assessment.forced_labour == ForcedLabourLevel.INDICATORS
    finding = assessment.finding(f"forced_labour.{code}")
    assert finding is not None
    assert finding.weight == Weight.MEDIUM


def test_two_medium_indicators_make_forced_labour_likely():
    assessment = screen_clean(
        age=30, withholding_of_wages="yes", abusive_conditions="yes"
    )
    assert assessment.forced_labour == ForcedLabourLevel.LIKELY
    assert assessment.medium_indicators == (
        "withholding_of_wages",
        "abusive_conditions",
    )


def test_not_being_free_to_leave_is_forced_labour_likely_on_its_own():
    assessment = screen_clean(age=30, free_to_leave="no")
    assert assessment.forced_labour == ForcedLabourLevel.LIKELY
    assert "forced_labour.not_free_to_leave" in codes(assessment)


def test_threats_weigh_strong_for_a_child_and_medium_for_an_adult():
    assert screen_clean(age=17, intimidation_threats="yes").forced_labour == (
        ForcedLabourLevel.LIKELY
    )
    assert screen_clean(age=18, intimidation_threats="yes").forced_labour == (
        ForcedLabourLevel.INDICATORS
    )
    # Someone who may be a minor is weighed as one.
    assert screen_clean(
        age_band="unknown", intimidation_threats="yes"
    ).forced_labour == (ForcedLabourLevel.LIKELY)


@pytest.mark.parametrize("code", sorted(MEDIUM_FOR_ADULTS - {"intimidation_threats"}))
def test_the_other_medium_indicators_stay_medium_for_a_child(code):
    assert screen_clean(age=16, **{code: "yes"}).forced_labour == (
        ForcedLabourLevel.INDICATORS
    )


def test_all_no_and_free_to_leave_is_no_indicators():
    assessment = screen_clean(age=30)
    assert assessment.forced_labour == ForcedLabourLevel.NO_INDICATORS
    assert not [f for f in assessment.findings if f.topic == "forced_labour"]


def test_the_weights_and_the_threshold_are_shown_as_judgement_to_verify():
    assessment = screen_clean(age=30, debt_bondage="yes")
    for code in ("forced_labour.debt_bondage", "forced_labour.likely"):
        finding = assessment.finding(code)
        assert finding is not None
        assert finding.verify is True
        assert "OIT" in finding.reference


# --- Possible trafficking -----------------------------------------------------------


def test_deceived_and_kept_by_documents_is_possible_trafficking():
    assessment = screen_clean(age=30, deception="yes", retention_of_documents="yes")
    assert assessment.possible_trafficking is True
    assert assessment.trafficking_reasons == (
        TraffickingReason.FORCED_LABOUR_DECEPTION,
    )
    finding = assessment.finding("trafficking.forced_labour_deception")
    assert finding is not None
    assert finding.verify is True


def test_deception_alone_is_forced_labour_likely_but_not_trafficking():
    assessment = screen_clean(age=30, deception="yes")
    assert assessment.forced_labour == ForcedLabourLevel.LIKELY
    assert assessment.possible_trafficking is False


def test_a_recruited_migrant_held_by_debt_is_possible_trafficking():
    assessment = screen_clean(age=30, recruited_or_moved="yes", debt_bondage="yes")
    assert assessment.trafficking_reasons == (
        TraffickingReason.FORCED_LABOUR_RECRUITMENT,
    )


def test_forced_labour_without_recruitment_or_deception_is_not_flagged_trafficking():
    assessment = screen_clean(age=30, retention_of_documents="yes")
    assert assessment.forced_labour == ForcedLabourLevel.LIKELY
    assert assessment.possible_trafficking is False


def test_recruitment_with_one_medium_indicator_is_not_trafficking():
    assessment = screen_clean(
        age=30, recruited_or_moved="yes", withholding_of_wages="yes"
    )
    assert assessment.possible_trafficking is False


def test_a_child_in_forced_labour_is_possible_trafficking_without_any_means():
    assessment = screen_clean(age=16, debt_bondage="yes")
    assert assessment.trafficking_reasons == (TraffickingReason.CHILD_FORCED_LABOUR,)


def test_a_child_recruited_for_prohibited_work_is_possible_trafficking():
    # Given a 14-year-old brought to the workshop, with no ILO indicator,
    assessment = screen_clean(age=14, recruited_or_moved="yes")
    # then the act and the exploitation suffice for a child.
    assert assessment.trafficking_reasons == (TraffickingReason.CHILD_RECRUITED,)


def test_a_child_recruited_into_work_with_a_missing_paper_is_not_trafficking():
    assessment = screen_clean(
        age=17, recruited_or_moved="yes", medical_certificate="no"
    )
    assert assessment.possible_trafficking is False


def test_a_recruited_adult_with_prohibited_conditions_for_children_is_not_flagged():
    assessment = screen_clean(age=18, recruited_or_moved="yes", night_work="yes")
    assert assessment.possible_trafficking is False


# --- Next steps ---------------------------------------------------------------------


def test_a_child_in_child_labour_goes_first_to_difs_procuraduria():
    # Given the seed's 15-year-old working nights in a workshop,
    assessment = screen_clean(age=15, night_work="yes")
    # then DIF's child protection comes first, at once, then the inspection.
    assert services(assessment) == ["child_protection", "labour_inspection"]
    assert all(step.urgent for step in assessment.next_steps)
    assert assessment.urgent is True
    first = assessment.next_steps[0]
    assert first.because == ("child_labour.night_work",)
    assert "Procuraduría de Protección de Niñas, Niños y Adolescentes del DIF" in str(
        first.hint
    )


def test_a_child_under_15_also_gets_livelihood_support_for_the_family():
    assessment = screen_clean(age=14)
    assert services(assessment) == [
        "child_protection",
        "labour_inspection",
        "livelihood",
    ]
    assert [s.urgent for s in assessment.next_steps] == [True, True, False]


def test_missing_papers_call_for_inspection_and_dif_but_not_urgently():
    assessment = screen_clean(age=16, medical_certificate="no")
    assert services(assessment) == ["child_protection", "labour_inspection"]
    assert assessment.urgent is False


def test_possible_trafficking_calls_the_prosecutors_trafficking_unit_first():
    # Given the seed's migrant with documents withheld and a debt,
    assessment = screen_clean(
        age=34,
        recruited_or_moved="yes",
        retention_of_documents="yes",
        debt_bondage="yes",
    )
    # then the Fiscalía first, the immediate intervention plan, and return home
    # if the person chooses it.
    assert services(assessment) == [
        "prosecution",
        "medical",
        "shelter",
        "psychological",
        "legal",
        "labour_inspection",
        "repatriation",
        "livelihood",
    ]
    prosecution = assessment.next_steps[0]
    assert prosecution.urgent is True
    assert "trata" in str(prosecution.hint)
    assert "Línea Nacional contra la Trata de Personas" in str(prosecution.hint)
    assert "CEAV" in str(SERVICE_HINTS[ServiceType.LEGAL])


def test_a_child_possibly_trafficked_goes_to_dif_before_the_fiscalia():
    assessment = screen_clean(age=16, recruited_or_moved="yes", debt_bondage="yes")
    assert services(assessment)[:2] == ["child_protection", "prosecution"]
    assert assessment.next_steps[0].urgent
    assert assessment.next_steps[1].urgent


def test_forced_labour_likely_without_trafficking_calls_for_victim_assistance():
    assessment = screen_clean(age=30, retention_of_documents="yes")
    assert services(assessment) == [
        "prosecution",
        "legal",
        "labour_inspection",
        "livelihood",
    ]
    assert assessment.urgent is False


def test_one_medium_indicator_calls_for_the_labour_inspection_only():
    assessment = screen_clean(age=30, withholding_of_wages="yes")
    assert services(assessment) == ["labour_inspection"]


def test_violence_calls_for_medical_care_at_once():
    assessment = screen_clean(age=30, physical_sexual_violence="yes")
    medical = next(s for s in assessment.next_steps if s.service == "medical")
    assert medical.urgent is True
    assert services(assessment)[0] == "medical"
    assert "psychological" in services(assessment)


def test_any_minor_with_signs_of_forced_labour_goes_to_dif():
    assessment = screen_clean(age=17, withholding_of_wages="yes")
    assert services(assessment)[0] == "child_protection"
    assert assessment.next_steps[0].urgent is True


def test_an_adults_working_day_beyond_the_legal_maximum_is_for_the_inspection():
    assessment = screen_clean(age=30, hours_per_day=12, longest_block_hours=6)
    finding = assessment.finding("labour.hours_over_maximum")
    assert finding is not None
    assert finding.status == FindingStatus.NOTE
    assert finding.verify is True
    assert services(assessment) == ["labour_inspection"]
    assert screen_clean(age=30, hours_per_day=11).next_steps == ()


def test_next_steps_use_the_nine_service_type_codes():
    assert set(ServiceType.values) == {
        "child_protection",
        "prosecution",
        "labour_inspection",
        "shelter",
        "medical",
        "psychological",
        "legal",
        "repatriation",
        "livelihood",
    }
    assert set(SERVICE_HINTS) == set(ServiceType)


# --- Guidance, never a legal finding ------------------------------------------------


def test_every_finding_has_a_reference_and_the_disclaimer_says_guidance():
    assessment = screen_clean(
        age=15,
        night_work="yes",
        hours_per_day=8,
        longest_block_hours=4,
        recruited_or_moved="yes",
        debt_bondage="yes",
    )
    assert assessment.findings
    for finding in assessment.findings:
        assert finding.reference, finding.code
    assert "no una determinación legal" in str(DISCLAIMER)
    data = assessment.as_json()
    assert data["child_labour"] == "restrictions_breached"
    assert data["trafficking_reasons"] == [
        "forced_labour_recruitment",
        "child_forced_labour",
        "child_recruited",
    ]
    assert data["next_steps"][0] == {
        "service": "child_protection",
        "urgent": True,
        "because": [
            "child_labour.night_work",
            "child_labour.daily_hours",
            "child_labour.work_block",
            "forced_labour.debt_bondage",
            "forced_labour.likely",
        ],
    }


def test_texts_follow_the_active_language():
    finding = screen_clean(age=14).finding("child_labour.under_15")
    assert finding is not None
    with translation.override("en"):
        assert str(finding.text).startswith("Work by anyone under 15 is prohibited")
        assert str(ChildLabourVerdict.PROHIBITED.label) == "Work prohibited by age"


def test_the_questionnaire_covers_every_answer_key_once():
    assert [q.key for q in QUESTIONS] == list(ANSWER_KEYS)
    for question in QUESTIONS:
        assert question.prompts, question.key


# --- Reading answers ----------------------------------------------------------------


def test_answers_round_trip():
    interview = interview_from_answers(
        {**CLEAN, "age": 16, "hours_per_day": "6,5", "longest_block_hours": "3"}
    )
    assert interview.hours_per_day == 6.5
    assert interview.age_band == "16"
    assert interview_from_answers(interview.as_answers()) == interview
    assert list(interview.as_answers()) == list(ANSWER_KEYS)


def test_missing_and_empty_answers_are_unknown():
    interview = interview_from_answers(
        {"deception": "", "age": "", "hours_per_day": None}
    )
    assert interview == Interview()
    assert interview.deception == Answer.UNKNOWN


def test_yes_no_answers_are_read_leniently_in_case_and_space_and_json_booleans():
    interview = interview_from_answers(
        {
            "deception": " YES ",
            "isolation": "No",
            "debt_bondage": True,
            "free_to_leave": False,
        }
    )
    assert interview.deception == Answer.YES
    assert interview.isolation == Answer.NO
    assert interview.debt_bondage == Answer.YES
    assert interview.free_to_leave == Answer.NO


@pytest.mark.parametrize("age", [5, 100, "17", " 42 "])
def test_ages_in_range_are_taken(age):
    assert interview_from_answers({"age": age}).age == int(str(age).strip())


@pytest.mark.parametrize("age", [4, 101, -1, 0, "-3", "200"])
def test_ages_out_of_range_are_refused(age):
    assert refusal({"age": age}) == [
        (
            "age",
            "La edad debe estar entre 5 y 100 años. Para una niña o un niño más "
            "pequeño, elija el rango «menor de 15 años».",
        )
    ]


@pytest.mark.parametrize("age", ["quince", "15.5", 15.5, True, "1" * 5000, [15]])
def test_ages_that_are_not_whole_numbers_are_refused(age):
    assert refusal({"age": age}) == [
        ("age", "Escriba la edad en años cumplidos, con un número entero.")
    ]


@pytest.mark.parametrize("hours", [-1, 24.5, 25, "-0.5", "1e3"])
def test_hours_out_of_range_are_refused(hours):
    assert refusal({"hours_per_day": hours}) == [
        ("hours_per_day", "Las horas deben estar entre 0 y 24.")
    ]


@pytest.mark.parametrize(
    "hours", ["seis", "nan", "inf", "Infinity", True, "1" * 50, {}]
)
def test_hours_that_are_not_numbers_are_refused(hours):
    assert refusal({"longest_block_hours": hours}) == [
        ("longest_block_hours", "Escriba las horas con un número.")
    ]


@pytest.mark.parametrize("hours", [0, 24, "0", "24", "7.5", 7.5])
def test_hours_from_0_to_24_are_taken(hours):
    assert interview_from_answers({"hours_per_day": hours}).hours_per_day == float(
        hours
    )


def test_a_block_longer_than_the_day_is_refused():
    assert refusal({"hours_per_day": 6, "longest_block_hours": 7}) == [
        (
            "longest_block_hours",
            "El tramo más largo sin descanso no puede pasar de las horas del día.",
        )
    ]
    assert (
        interview_from_answers(
            {"hours_per_day": 6, "longest_block_hours": 6}
        ).longest_block_hours
        == 6
    )


@pytest.mark.parametrize("value", ["maybe", "sí", 1, ["yes"], "y"])
def test_a_yes_no_answer_that_is_none_of_the_three_is_refused(value):
    assert refusal({"night_work": value}) == [
        ("night_work", "Responda «yes» (sí), «no» o «unknown» (no se sabe).")
    ]


def test_a_key_that_is_not_a_question_is_refused():
    assert refusal({"nightwork": "yes"}) == [
        ("nightwork", "No es una pregunta de la entrevista.")
    ]


def test_age_bands_must_be_from_the_list_and_agree_with_the_age():
    assert refusal({"age_band": "teen"}) == [
        ("age_band", "Elija un rango de edad de la lista.")
    ]
    assert refusal({"age": 16, "age_band": "under_15"}) == [
        ("age_band", "El rango de edad no coincide con la edad.")
    ]
    assert interview_from_answers({"age": 16, "age_band": "15_17"}).age_band == "16"
    assert interview_from_answers({"age": 40}).age_band == "adult"


def test_every_bad_field_is_named_at_once():
    assert [
        field
        for field, _reason in refusal(
            {"age": 300, "hours_per_day": "x", "deception": "maybe", "extra": 1}
        )
    ] == ["extra", "deception", "age", "hours_per_day"]


def test_answers_that_are_not_a_mapping_are_refused():
    assert refusal(["age", 15]) == [("answers", "Envíe las respuestas como un objeto.")]


def test_refusals_are_in_the_users_language():
    with translation.override("en"):
        assert refusal({"age": 3}) == [
            (
                "age",
                "Age must be between 5 and 100 years. For a younger child, choose "
                "the band “under 15”.",
            )
        ]

"""The configurable dispute-resolution stages: the default, validation of a council's own, due dates."""

from datetime import date

import pytest

from qa_app.challenges.stages import (
    DEFAULT_STAGES, FORMAL_CAP_WORKING_DAYS, Stage, StageConfigError, find_stage, formal_deadline,
    later_stages, load_stages, stage_due_on,
)


def as_config(stages):
    return [{"key": s.key, "title": s.title, "working_days": s.working_days, "formal": s.formal,
             "responder": s.responder} for s in stages]


def test_the_default_follows_the_protocol_and_fits_the_formal_cap():
    assert [s.key for s in DEFAULT_STAGES] == ["informal", "stage_1", "stage_2", "stage_3", "stage_4"]
    assert [s.formal for s in DEFAULT_STAGES] == [False, True, True, True, True]
    assert [s.responder for s in DEFAULT_STAGES][1:] == [
        "Team manager", "Service manager", "Head of service", "Director of children's services"]
    assert sum(s.working_days for s in DEFAULT_STAGES if s.formal) == FORMAL_CAP_WORKING_DAYS == 20
    assert load_stages(None) == DEFAULT_STAGES


def test_a_valid_config_replaces_the_default():
    config = [
        {"key": "informal", "title": "Informal", "working_days": 10, "formal": False, "responder": "Social worker"},
        {"key": "formal_1", "title": "Formal 1", "working_days": 8, "formal": True},
        {"key": "formal_2", "title": "Formal 2", "working_days": 12, "formal": True, "suggest_role": "moderator"},
    ]
    stages = load_stages(config)
    assert [s.key for s in stages] == ["informal", "formal_1", "formal_2"]
    assert stages[2] == Stage("formal_2", "Formal 2", 12, True, "", "moderator")


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: c.__setitem__(2, dict(c[2], key="stage_1")), "the key 'stage_1' is used twice"),
    (lambda c: c[1].__setitem__("working_days", 0), "working_days must be a positive whole number, not 0"),
    (lambda c: c[1].__setitem__("working_days", -3), "working_days must be a positive whole number"),
    (lambda c: c[1].__setitem__("working_days", "5"), "working_days must be a positive whole number"),
    (lambda c: c[1].__setitem__("working_days", True), "working_days must be a positive whole number"),
    (lambda c: c[4].__setitem__("working_days", 6), "the formal stages add up to 21 working days"),
    (lambda c: c[0].__setitem__("formal", "no"), "formal must be true or false"),
    (lambda c: c[0].__setitem__("title", " "), "give a title"),
    (lambda c: c[0].__setitem__("key", "Stage One"), "the key must be lower-case letters"),
    (lambda c: c[0].__setitem__("colour", "red"), "unknown setting(s) colour"),
    (lambda c: c[0].__setitem__("suggest_role", "director"), "suggest_role must be one of"),
    (lambda c: c.append({"key": "late_informal", "title": "Late", "working_days": 1, "formal": False}),
     "the informal stages must all come before the formal stages"),
])
def test_a_broken_config_is_refused_with_a_clear_message(change, message):
    config = as_config(DEFAULT_STAGES)
    change(config)
    with pytest.raises(StageConfigError) as raised:
        load_stages(config)
    assert message in str(raised.value)


def test_every_problem_is_reported_at_once():
    config = as_config(DEFAULT_STAGES)
    config[0]["working_days"] = 0
    config[3]["title"] = ""
    with pytest.raises(StageConfigError) as raised:
        load_stages(config)
    assert len(raised.value.problems) == 2


@pytest.mark.parametrize("config", [[], "informal", [["informal"]]])
def test_a_config_that_is_not_a_list_of_stages_is_refused(config):
    with pytest.raises(StageConfigError):
        load_stages(config)


def test_the_app_refuses_to_start_with_a_broken_config():
    from qa_app import create_app

    config = as_config(DEFAULT_STAGES)
    config[1]["working_days"] = 10   # formal total 25
    with pytest.raises(StageConfigError, match="must not be longer than 20 working days"):
        create_app("test", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "CHALLENGE_STAGES": config})


def test_later_stages_and_unknown_keys():
    assert [s.key for s in later_stages(DEFAULT_STAGES, "stage_2")] == ["stage_3", "stage_4"]
    assert later_stages(DEFAULT_STAGES, "stage_4") == ()
    assert [s.key for s in later_stages(DEFAULT_STAGES, "retired")] == [s.key for s in DEFAULT_STAGES]
    assert find_stage(DEFAULT_STAGES, "stage_3").title == "Formal stage 3"
    assert find_stage(DEFAULT_STAGES, "old_stage").title == "Old stage"


def test_a_stage_is_due_after_its_timescale_in_working_days():
    informal = DEFAULT_STAGES[0]
    # Raised on Christmas Eve 2026: five working days are 29, 30, 31 December, 4 and 5 January.
    assert stage_due_on(informal, date(2026, 12, 24), None) == date(2027, 1, 5)


def test_a_formal_stage_is_never_due_after_the_formal_deadline():
    stage_4 = DEFAULT_STAGES[4]
    started = date(2027, 3, 1)
    assert formal_deadline(started) == date(2027, 3, 31)       # 20 working days, Easter excluded
    # Opened with plenty of time left: its own five working days.
    assert stage_due_on(stage_4, date(2027, 3, 8), started) == date(2027, 3, 15)
    # Opened late: capped at the deadline.
    assert stage_due_on(stage_4, date(2027, 3, 25), started) == date(2027, 3, 31)
    # Opened after the deadline: due on the deadline, so overdue at once.
    assert stage_due_on(stage_4, date(2027, 4, 12), started) == date(2027, 3, 31)
    # The first formal stage starts the clock itself.
    assert stage_due_on(DEFAULT_STAGES[1], date(2027, 3, 1), None) == date(2027, 3, 8)
    assert formal_deadline(None) is None

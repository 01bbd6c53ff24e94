"""The structure the code keeps: the core (audits, cases, rounds) imports none of the features
built on it; features plug in through registries filled in one place; every writing view goes
through one helper."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "qa_app"
CORE = ("audits", "cases", "rounds")
ABOVE_THE_CORE = ("reviews", "escalations", "actions", "moderation", "reports", "exchange", "challenges")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("core", CORE)
def test_the_core_imports_no_feature_built_on_it(core):
    offending = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / core).rglob("*.py")
        for name in imported_modules(path)
        if any(name == f"qa_app.{feature}" or name.startswith(f"qa_app.{feature}.") for feature in ABOVE_THE_CORE)
    }
    assert offending == set()


def test_no_view_handles_validation_by_hand():
    """Validate → call → commit or roll back → problems onto fields is qa_app.writes.commit_form."""
    by_hand = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("views.py")
               if "except ValidationFailed" in path.read_text() or "StaleDataError" in path.read_text()]
    assert by_hand == []


def test_features_register_only_through_their_register_function():
    """Panels, navigation and audit extensions are added in one way: a feature's register()."""
    calls = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        registering = {node for function in ast.walk(tree) if isinstance(function, ast.FunctionDef)
                       and function.name == "register" for node in ast.walk(function)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("NAVIGATION", "HOME_PANELS", "AUDIT_PANELS", "CASE_PANELS",
                                               "AUDIT_EXTENSIONS")
                    and node not in registering):
                calls.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert calls == []


def test_registering_twice_adds_nothing(app):
    from qa_app.audits.extensions import AUDIT_EXTENSIONS
    from qa_app.features import register_features
    from qa_app.panels import AUDIT_PANELS, CASE_PANELS, HOME_PANELS, NAVIGATION

    def counts():
        return (len(NAVIGATION.items), len(HOME_PANELS.panels), len(AUDIT_PANELS.panels), len(CASE_PANELS.panels),
                len(AUDIT_EXTENSIONS.extensions))

    before = counts()
    register_features()
    assert counts() == before
    assert [e.name for e in AUDIT_EXTENSIONS.extensions] == ["review", "escalation"]


def test_every_table_scrolls_in_its_own_box_on_a_narrow_screen():
    """A wide table must never make the page scroll sideways (WCAG 1.4.10): each sits in
    .app-table-scroll (app.js makes an overflowing one reachable by keyboard)."""
    bare = []
    for path in (PACKAGE / "templates").rglob("*.html"):
        text = path.read_text()
        if text.count("<table") != text.count('<div class="app-table-scroll"><table'):
            bare.append(str(path.relative_to(PACKAGE)))
    assert bare == []

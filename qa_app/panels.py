"""Extension points where features add their own part of a shared page, without editing it.

A feature registers, in its `panels.register()` (called once from `qa_app.features`):
- a navigation item: `NAVIGATION.add(endpoint, text, roles, order)`;
- a panel on the home page: `HOME_PANELS.add(template, load, order)`;
- a panel on an audit's page: `AUDIT_PANELS.add(template, load, order)`;
- a panel on a case file's page: `CASE_PANELS.add(template, load, order)`.

`load(user)` (home), `load(user, audit)` (audit page) or `load(user, case_file)` (case page) returns a dict of template variables, or
None when the panel has nothing to show that user. Lower `order` comes first: escalations of
children at immediate risk use a negative order so they always head the page.
"""

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    text: str
    roles: tuple
    order: int


@dataclass(frozen=True)
class Panel:
    template: str
    load: Callable[..., dict | None]
    order: int


@dataclass
class Navigation:
    items: list[NavItem] = field(default_factory=list)

    def add(self, endpoint: str, text: str, roles, order: int = 50) -> None:
        if not any(item.endpoint == endpoint for item in self.items):
            self.items.append(NavItem(endpoint, text, tuple(roles), order))
            self.items.sort(key=lambda item: item.order)


@dataclass
class PanelRegistry:
    panels: list[Panel] = field(default_factory=list)

    def add(self, template: str, load: Callable[..., dict | None], order: int = 50) -> None:
        if not any(panel.template == template for panel in self.panels):
            self.panels.append(Panel(template, load, order))
            self.panels.sort(key=lambda panel: panel.order)

    def render_list(self, *args: Any) -> list[tuple[Panel, dict]]:
        """(panel, variables) for every panel that has something to show, in order."""
        shown = []
        for panel in self.panels:
            variables = panel.load(*args)
            if variables is not None:
                shown.append((panel, variables))
        return shown


NAVIGATION = Navigation()
HOME_PANELS = PanelRegistry()
AUDIT_PANELS = PanelRegistry()
CASE_PANELS = PanelRegistry()

"""How features learn what moderation decided, without moderation knowing them.

A feature that must act when moderation moves on (releasing audits to the case's people, say)
registers one `ModerationListener` in its `register()` (called once, from `qa_app.features`):

- `sample_chosen(round_, actor)`: a selection run has chosen the round's moderation sample; the
  round's submitted audits still in status `submitted` were not chosen;
- `completed(moderation, actor)`: a moderation was completed (the audit's final grades are now
  the moderator's);
- `withdrawn(moderation, actor)`: an audit was taken out of the moderation sample.

Each is called inside the change's own transaction, after it is made: what a listener writes is
committed with it, or rolled back with it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def _nothing(*_args, **_kwargs) -> None:
    return None


@dataclass(frozen=True)
class ModerationListener:
    name: str
    sample_chosen: Callable[[Any, Any], None] = _nothing
    completed: Callable[[Any, Any], None] = _nothing
    withdrawn: Callable[[Any, Any], None] = _nothing


@dataclass
class ListenerRegistry:
    listeners: list[ModerationListener] = field(default_factory=list)

    def add(self, listener: ModerationListener) -> None:
        if not any(existing.name == listener.name for existing in self.listeners):
            self.listeners.append(listener)

    def sample_chosen(self, round_, actor) -> None:
        for listener in self.listeners:
            listener.sample_chosen(round_, actor)

    def completed(self, moderation, actor) -> None:
        for listener in self.listeners:
            listener.completed(moderation, actor)

    def withdrawn(self, moderation, actor) -> None:
        for listener in self.listeners:
            listener.withdrawn(moderation, actor)


MODERATION_LISTENERS = ListenerRegistry()

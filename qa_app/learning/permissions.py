"""Who may do what with learning briefs and training needs.

- A QA lead drafts, edits and publishes briefs.
- A published brief is read by QA leads, viewers (senior managers, the workforce development
  lead) and everyone in a team it was published to; a draft by QA leads only.
- A team manager of a team it went to (an active auditor in that team) confirms the team discussed
  it; a QA lead may record that for any team.
- Training needs are tagged by whoever checks the audit's actions (its auditor, its moderator, a
  follow-up auditor, a QA lead); the training-needs page is for QA leads and viewers.
"""

from qa_app.actions.permissions import can_check_actions
from qa_app.auth.models import Role

BRIEF_READERS = (Role.QA_LEAD, Role.VIEWER)


def can_manage(user) -> bool:
    return user.has_role(Role.QA_LEAD)


def can_read(user, brief) -> bool:
    if user.has_role(Role.QA_LEAD):
        return True
    if brief.status != "published":
        return False
    return user.has_role(Role.VIEWER) or (user.team_id is not None
                                          and user.team_id in {r.team_id for r in brief.recipients})


def can_confirm_discussed(user, brief, recipient) -> bool:
    if brief.status != "published" or not user.active:
        return False
    return user.has_role(Role.QA_LEAD) or (user.has_role(Role.AUDITOR) and user.team_id == recipient.team_id)


def can_tag(user, audit) -> bool:
    return can_check_actions(user, audit)

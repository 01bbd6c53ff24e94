"""A learning brief as a Word document (.docx), to print or send on: a pure function of the brief."""

import io

from docx import Document
from docx.shared import Pt


def _paragraphs(doc, text: str) -> None:
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            doc.add_paragraph(line[2:], style="List Bullet")
        else:
            doc.add_paragraph(line)


def brief_document(brief, *, service_name: str) -> bytes:
    """The brief's title, round, when and to whom it went, and its four parts."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(11)
    doc.add_heading(brief.title, level=0)
    published = (f"Published {brief.published_at.day} {brief.published_at:%B %Y}" if brief.published_at
                 else "Draft: not published")
    teams = ", ".join(r.team.name for r in brief.recipients)
    doc.add_paragraph(f"{service_name} · {brief.round.name} · {published}" + (f" · Sent to: {teams}" if teams else ""))
    for heading, text in (("Summary", brief.summary), ("What is working well", brief.strengths),
                          ("What needs to improve", brief.areas), ("Key messages for practice", brief.key_messages)):
        if text:
            doc.add_heading(heading, level=1)
            _paragraphs(doc, text)
    doc.add_paragraph("This brief holds figures only: no child's name, case reference or other detail.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

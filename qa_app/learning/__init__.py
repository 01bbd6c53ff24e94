"""Learning goes out: a learning brief per round (drafted from its figures, edited by the QA lead,
published to chosen teams, discussed in their team meetings) and training-need tags with a
training-needs page for the workforce development lead."""

"""Disputing a moderated grade: within a set number of working days of the moderation, the auditor
may dispute the moderator's overall grade; a third person decides, and the final grade follows."""

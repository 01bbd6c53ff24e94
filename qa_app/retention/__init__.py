"""Retention and legal hold: records are erased when their retention period ends, unless held."""

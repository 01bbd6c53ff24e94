"""Practice feedback: a finished audit is released to the case's people (its allocated worker and
team manager), who read it in full; the feedback conversation is recorded, and the worker responds."""

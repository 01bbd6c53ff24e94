"""Bad bytes stop at the door: NUL and other control characters in any form field, address
parameter or upload name give a clear 400 before a view (or the database) sees them.

PostgreSQL cannot store NUL in text at all, and no field of this service has a use for the other
C0 control characters (tab, line feed and carriage return are allowed: they are how text areas
break lines). The contents of uploaded files are checked by their readers
(qa_app.spreadsheets.reader), which name the row and column.
"""

import re

from flask import Flask, render_template, request

# C0 controls except tab, LF and CR, and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def first_control_character(values) -> tuple[str, str] | None:
    """The first (name, value) pair whose name or value holds a control character, or None."""
    for name, value in values:
        if CONTROL.search(name) or (isinstance(value, str) and CONTROL.search(value)):
            return name, value
    return None


def _describe(character: str) -> str:
    return "a NUL character" if character == "\x00" else f"a control character (code {ord(character)})"


def register(app: Flask) -> None:
    @app.before_request
    def refuse_control_characters():
        sources = [("address", request.args.items(multi=True)), ("form", request.form.items(multi=True)),
                   ("upload", ((name, file.filename or "") for name, file in request.files.items(multi=True)))]
        for where, values in sources:
            found = first_control_character(values)
            if found is None:
                continue
            name, value = found
            character = CONTROL.search(name) or CONTROL.search(value)
            field = CONTROL.sub("?", name)[:60]
            what = {"address": f"The web address parameter '{field}'",
                    "form": f"The field '{field}'",
                    "upload": f"The name of the file uploaded in '{field}'"}[where]
            message = (f"{what} contains {_describe(character.group())}, which cannot be stored. Nothing was "
                       "saved. Go back, remove it (it often comes with text pasted from another program) and "
                       "try again.")
            return render_template("error.html", code=400, title="The form contains a character that is not "
                                   "allowed", message=message), 400
        return None

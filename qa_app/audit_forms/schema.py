"""Audit templates: the YAML format, its validation, and loading a folder of templates.

Pure Python (no Flask, no database). ``parse_template`` checks everything and reports every
problem at once; ``load_directory`` loads a folder of templates, never half-loading a bad file.
The immutable objects (AuditTemplate, GradeScale, ...) live in ``scales`` and are re-exported
here, so import everything from this module.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

import yaml

from .scales import (  # noqa: F401  (re-exported: import everything from schema)
    BUILTIN_SCALES, CASE_TYPES, OFSTED4, QUESTION_TYPES, STORAGE_FORMAT, THEME_LABELS,
    THEMES, YES_PARTLY_NO, AuditTemplate, Grade, GradeScale, Question, Section, answer_text,
    describe_condition, grade_limit, hidden_questions, overall_grade_problem,
)

# libyaml's loader when PyYAML was built with it: the same safe constructor, about ten times faster.
# A file it refuses is read again with the pure-Python loader, whose messages the problems quote.
FAST_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 1024 * 1024
MAX_KEY_LENGTH = 64
MAX_TITLE_LENGTH = 200
MAX_VERSION_LENGTH = 40
TEMPLATE_KEY_RE = re.compile(r"[a-z0-9-]+")
ITEM_KEY_RE = re.compile(r"[a-z0-9_]+")
SCALE_KEY_RE = re.compile(r"[a-z0-9_-]+")
REQUIRED_BY_DEFAULT = frozenset({"grade", "yes_partly_no", "choice"})

_TEMPLATE_KEYS = ("key", "title", "version", "applies_to", "scale", "description", "sections")
_SCALE_KEYS = ("key", "grades", "good_or_better", "inadequate", "evidence_required")
_GRADE_KEYS = ("value", "label")
_SECTION_KEYS = ("key", "title", "questions")
_QUESTION_KEYS = ("key", "text", "guidance", "type", "required", "limiting", "themes", "choices", "show_if")
_SHOW_IF_KEYS = ("question", "answers")
CONDITION_TYPES = ("grade", "yes_partly_no", "choice")


@dataclass(frozen=True)
class TemplateProblem:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}"


class TemplateInvalid(Exception):
    def __init__(self, problems: list[TemplateProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# ---------------------------------------------------------------- validation helpers

def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _describe(v: object) -> str:
    if isinstance(v, bool):
        return "true/false (YAML reads unquoted yes/no/on/off/true/false as true or false)"
    if isinstance(v, (int, float, str)):
        return f"the {'text' if isinstance(v, str) else 'number'} {str(v)[:40]!r}"
    names = {type(None): "empty", list: "a list", dict: "a mapping"}
    return names.get(type(v)) or f"a {type(v).__name__} ({v})"


class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[TemplateProblem] = []

    def add(self, path: str, reason: str) -> None:
        """Record a problem (returns None, so ``return ck.add(...)`` reads as "no value")."""
        self.problems.append(TemplateProblem(self.file, path or "(file)", reason))

    def wrong(self, path: str, v: object, expected: str) -> None:
        quote = expected == "text" and v is not None and not isinstance(v, (list, dict))
        self.add(path, f"must be {expected}, not {_describe(v)}" + ("; put the value in quotes" if quote else ""))

    def mapping(self, v: object, path: str, allowed: tuple, required: tuple, what: str) -> dict | None:
        if not isinstance(v, dict):
            self.wrong(path, v, f"a mapping ({what})")
            return None
        for k in v:
            if k not in allowed:
                close = difflib.get_close_matches(str(k), allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.add(_join(path, k), f"unknown key {str(k)!r} in {what}{hint} "
                                         f"(allowed: {', '.join(allowed)})")
        for k in required:
            if v.get(k) is None:
                self.add(_join(path, k), "is required" + (" but empty" if k in v else ""))
        return v

    def text(self, m: dict, path: str, k: str, blank_ok: bool = False, max_len: int = 0) -> str | None:
        v, p = m.get(k), _join(path, k)
        if v is None:
            return "" if blank_ok else None
        if not isinstance(v, str):
            return self.wrong(p, v, "text")
        if not v.strip() and not blank_ok:
            return self.add(p, "must not be blank")
        if max_len and len(v.strip()) > max_len:
            return self.add(p, f"is too long ({len(v.strip())} characters; at most {max_len})")
        return v.strip()

    def slug(self, m: dict, path: str, k: str, regex: re.Pattern, allowed: str) -> str | None:
        v = self.text(m, path, k)
        if v is not None and (not regex.fullmatch(v) or len(v) > MAX_KEY_LENGTH):
            self.add(_join(path, k), f"{v!r} is not a valid key: use only {allowed}, "
                                     f"at most {MAX_KEY_LENGTH} characters")
            return None
        return v

    def flag(self, m: dict, path: str, k: str, default: bool) -> bool | None:
        v = m.get(k)
        if v is None:
            return default
        if not isinstance(v, bool):
            self.wrong(_join(path, k), v, "true or false")
            return None
        return v

    def integer(self, v: object, path: str) -> int | None:
        if isinstance(v, bool) or not isinstance(v, int):
            self.wrong(path, v, "a whole number")
            return None
        return v

    def items(self, m: dict, path: str, k: str) -> list | None:
        v = m.get(k)
        if v is not None and not isinstance(v, list):
            self.wrong(_join(path, k), v, "a list")
            return None
        return v

    def strings(self, m: dict, path: str, k: str, vocab: tuple | None, what: str) -> list | None:
        """A list of unique strings, each from ``vocab`` if given; None if anything is wrong."""
        raw, out, ok = self.items(m, path, k), [], True
        if raw is None:
            return None if m.get(k) is not None else []
        for i, item in enumerate(raw or ()):
            p = f"{_join(path, k)}[{i}]"
            if not isinstance(item, str):
                self.wrong(p, item, "text")
                ok = False
            elif not item.strip():
                self.add(p, "must not be blank")
                ok = False
            elif vocab is not None and item not in vocab:
                self.add(p, f"unknown {what} {item!r}; use one of: {', '.join(vocab)}")
                ok = False
            elif item.strip() in out:
                self.add(p, f"{item.strip()!r} is listed twice")
                ok = False
            else:
                out.append(item.strip())
        return out if ok else None


# ---------------------------------------------------------------- parsing

def _yaml_data(text: str, ck: _Checker) -> tuple[bool, object]:
    """(True, data) if the text is YAML; duplicate keys are reported but are not fatal."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        ck.add("(file)", f"the file is larger than {MAX_BYTES // 1024 // 1024} MB")
        return False, None
    text = text.lstrip("\ufeff")
    try:
        node, data = _read_yaml(text, FAST_SAFE_LOADER)
    except (yaml.YAMLError, UnicodeError):
        pass  # read again below with the pure-Python loader, for its messages
    else:
        _check_duplicate_keys(node, "", ck, set())
        return _data_or_problem(data, ck)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        _check_duplicate_keys(node, "", ck, set())
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        started = exc.context_mark
        context = f" ({exc.context}" + (f" started at line {started.line + 1})" if started else ")")
        context = context if exc.context else ""
        kind = "unsupported YAML" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
        ck.add("(file)", f"{kind}{where}: {exc.problem}{context}")
        return False, None
    except yaml.YAMLError as exc:
        ck.add("(file)", f"YAML error: {exc}")
        return False, None
    return _data_or_problem(data, ck)


def _read_yaml(text: str, loader_class) -> tuple[yaml.Node | None, object]:
    """The document's node tree (for the duplicate-key check) and its data, from one parse."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _data_or_problem(data: object, ck: _Checker) -> tuple[bool, object]:
    if data is None:
        ck.add("(file)", "the file is empty; a template needs key, title, version, applies_to, "
                         "scale and sections")
        return False, None
    return True, data


def _check_duplicate_keys(node: yaml.Node | None, path: str, ck: _Checker, seen: set) -> None:
    if node is None or id(node) in seen:   # aliases reuse nodes: visit each once
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            line = key_node.start_mark.line + 1
            if key in lines and key != "<<":
                ck.add(_join(path, key), f"key {key!r} is given twice (lines {lines[key]} and {line})")
            lines.setdefault(key, line)
            _check_duplicate_keys(value_node, _join(path, key), ck, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _check_duplicate_keys(child, f"{path}[{i}]", ck, seen)


def _scale(v: object, ck: _Checker) -> GradeScale | None:
    if isinstance(v, str):
        if v in BUILTIN_SCALES:
            return BUILTIN_SCALES[v]
        ck.add("scale", f"unknown scale {v!r}; built-in scales: {', '.join(BUILTIN_SCALES)} "
                        "(or give the scale as a mapping)")
        return None
    if not isinstance(v, dict):
        ck.wrong("scale", v, "the name of a built-in scale or a mapping")
        return None
    m = ck.mapping(v, "scale", _SCALE_KEYS, _SCALE_KEYS, "the grade scale")
    if m is None:
        return None
    before = len(ck.problems)
    key = ck.slug(m, "scale", "key", SCALE_KEY_RE, "a-z, 0-9, - and _")
    if key in BUILTIN_SCALES:
        ck.add("scale.key", f"{key!r} is the name of a built-in scale; use it by name or pick another key")
    grades: list[Grade] = []
    raw = ck.items(m, "scale", "grades")
    for i, g in enumerate(raw or ()):
        p = f"scale.grades[{i}]"
        gm = ck.mapping(g, p, _GRADE_KEYS, _GRADE_KEYS, "a grade")
        if gm is None:
            continue
        value = ck.integer(gm["value"], f"{p}.value") if gm.get("value") is not None else None
        label = ck.text(gm, p, "label")
        for other_i, other in enumerate(grades):
            if value is not None and other.value == value:
                ck.add(f"{p}.value", f"grade value {value} is used twice (also scale.grades[{other_i}])")
            if label is not None and other.label and other.label.casefold() == label.casefold():
                ck.add(f"{p}.label", f"grade label {label!r} is used twice (also scale.grades[{other_i}])")
        grades.append(Grade(value, label))   # type: ignore[arg-type]
    if raw is not None and len(raw) < 2:
        ck.add("scale.grades", f"a scale needs at least 2 grades, not {len(raw)}")
    if len(ck.problems) > before:
        return None   # references cannot be checked against a broken list of grades
    values = {g.value for g in grades}

    def ref(x: object, p: str) -> int | None:
        n = ck.integer(x, p)
        if n is not None and n not in values:
            ck.add(p, f"grade {n} is not one of the scale's grades ({', '.join(map(str, sorted(values)))})")
            return None
        return n

    good = [ref(x, f"scale.good_or_better[{i}]") for i, x in enumerate(ck.items(m, "scale", "good_or_better") or ())]
    evidence = [ref(x, f"scale.evidence_required[{i}]")
                for i, x in enumerate(ck.items(m, "scale", "evidence_required") or ())]
    inadequate = ref(m["inadequate"], "scale.inadequate") if m.get("inadequate") is not None else None
    if inadequate is not None and inadequate in good:
        ck.add("scale.inadequate", f"grade {inadequate} cannot be both inadequate and good or better")
    if len(ck.problems) > before:
        return None
    return GradeScale(key, tuple(grades), frozenset(good), inadequate,  # type: ignore[arg-type]
                      frozenset(evidence))


def _question(v: object, path: str, ck: _Checker, seen: dict[str, str]) -> Question | None:
    m = ck.mapping(v, path, _QUESTION_KEYS, ("key", "text", "type"), "a question")
    if m is None:
        return None
    before = len(ck.problems)
    key = ck.slug(m, path, "key", ITEM_KEY_RE, "a-z, 0-9 and _")
    if key is not None:
        if key in seen:
            ck.add(_join(path, "key"), f"duplicate question key {key!r} (also used at {seen[key]})")
        seen.setdefault(key, _join(path, "key"))
    text = ck.text(m, path, "text")
    guidance = ck.text(m, path, "guidance", blank_ok=True)
    qtype = ck.text(m, path, "type")
    if qtype is not None and qtype not in QUESTION_TYPES:
        ck.add(_join(path, "type"), f"unknown question type {qtype!r}; use one of: {', '.join(QUESTION_TYPES)}")
        qtype = None
    required = ck.flag(m, path, "required", qtype in REQUIRED_BY_DEFAULT)
    limiting = ck.flag(m, path, "limiting", False)
    if limiting and qtype is not None and qtype != "grade":
        ck.add(_join(path, "limiting"), f"only grade questions can be limiting (this one is {qtype!r})")
    themes = ck.strings(m, path, "themes", THEMES, "theme")
    if qtype == "grade" and themes is not None and not themes:
        ck.add(_join(path, "themes"), "a grade question needs at least one theme, so that it counts "
                                      "in themed reports")
    choices: list | None = []
    if qtype == "choice":
        choices = ck.strings(m, path, "choices", None, "choice")
        if "choices" not in m:
            ck.add(_join(path, "choices"), "a choice question needs a list of choices")
        elif choices is not None and len(choices) < 2:
            ck.add(_join(path, "choices"), f"a choice question needs at least 2 choices, not {len(choices)}")
    elif "choices" in m and qtype is not None:
        ck.add(_join(path, "choices"), f"choices are only allowed on choice questions (this one is {qtype!r})")
    show_if = None
    if m.get("show_if") is not None:
        sm = ck.mapping(m["show_if"], _join(path, "show_if"), _SHOW_IF_KEYS, _SHOW_IF_KEYS, "a condition")
        if sm is not None and sm.get("question") is not None and sm.get("answers") is not None:
            on = ck.text(sm, _join(path, "show_if"), "question")
            answers = sm["answers"] if isinstance(sm["answers"], list) else [sm["answers"]]
            raw = []
            for i, a in enumerate(answers):
                p = f"{_join(path, 'show_if.answers')}[{i}]"
                if isinstance(a, bool) or not isinstance(a, (str, int)):
                    ck.wrong(p, a, "text")
                elif not str(a).strip():
                    ck.add(p, "must not be blank")
                else:
                    raw.append(str(a).strip())
            if not answers:
                ck.add(_join(path, "show_if.answers"), "list at least one answer that shows this question")
            if on is not None and len(raw) == len(answers) and answers:
                show_if = (on, tuple(raw))
    if len(ck.problems) > before:
        return None
    return Question(key, text, guidance, qtype, required, limiting,  # type: ignore[arg-type]
                    tuple(themes or ()), tuple(choices or ()), show_if)


def _check_conditions(sections: list[Section], scale: GradeScale | None, ck: _Checker,
                      paths: dict[str, str]) -> None:
    """A condition names an earlier question of a type with set answers, and answers it can have."""
    earlier: dict[str, Question] = {}
    for section in sections:
        for q in section.questions:
            if q is None:
                continue
            if q.show_if is not None:
                on, answers = q.show_if
                p = f"{paths[q.key]}.show_if"
                other = earlier.get(on)
                if on == q.key:
                    ck.add(f"{p}.question", "a question cannot depend on its own answer")
                elif other is None:
                    ck.add(f"{p}.question", f"{on!r} is not a question before this one; a question can only "
                                            "depend on an earlier question")
                elif other.type not in CONDITION_TYPES:
                    ck.add(f"{p}.question", f"{on!r} is a {other.type} question; a condition needs a "
                                            f"question with set answers ({', '.join(CONDITION_TYPES)})")
                else:
                    allowed = _answers_of(other, scale)
                    for i, a in enumerate(answers):
                        if allowed is not None and a not in allowed:
                            ck.add(f"{p}.answers[{i}]", f"{a!r} is not an answer to {on!r}; use one of: "
                                                        f"{', '.join(allowed)}")
                    if len(set(answers)) != len(answers):
                        ck.add(f"{p}.answers", "an answer is listed twice")
            earlier[q.key] = q


def _answers_of(question: Question, scale: GradeScale | None) -> list[str] | None:
    if question.type == "yes_partly_no":
        return [code for code, _ in YES_PARTLY_NO]
    if question.type == "choice":
        return list(question.choices)
    return [str(v) for v in scale.values()] if scale is not None else None


def _sections(m: dict, ck: _Checker, scale: GradeScale | None = None) -> list[Section] | None:
    raw = ck.items(m, "", "sections")
    if raw is None:
        return None
    if not raw:
        ck.add("sections", "a template needs at least one section")
    sections: list[Section] = []
    section_keys: dict[str, str] = {}
    question_keys: dict[str, str] = {}
    question_paths: dict[str, str] = {}
    graded = False
    for i, s in enumerate(raw):
        path = f"sections[{i}]"
        sm = ck.mapping(s, path, _SECTION_KEYS, _SECTION_KEYS, "a section")
        if sm is None:
            continue
        key = ck.slug(sm, path, "key", ITEM_KEY_RE, "a-z, 0-9 and _")
        if key is not None:
            if key in section_keys:
                ck.add(f"{path}.key", f"duplicate section key {key!r} (also used at {section_keys[key]})")
            section_keys.setdefault(key, f"{path}.key")
        title = ck.text(sm, path, "title")
        questions = []
        raw_q = ck.items(sm, path, "questions")
        if raw_q == []:
            ck.add(f"{path}.questions", "a section needs at least one question")
        for j, q in enumerate(raw_q or ()):
            graded = graded or (isinstance(q, dict) and q.get("type") == "grade")
            questions.append(_question(q, f"{path}.questions[{j}]", ck, question_keys))
            if questions[-1] is not None:
                question_paths.setdefault(questions[-1].key, f"{path}.questions[{j}]")
        sections.append(Section(key, title, tuple(questions)))  # type: ignore[arg-type]
    if raw and not graded:
        ck.add("sections", "the template has no grade question; it needs at least one")
    _check_conditions(sections, scale, ck, question_paths)
    return sections


def parse_template(text: str, filename: str) -> AuditTemplate:
    """Parse and validate one template; raise TemplateInvalid listing every problem found."""
    ck = _Checker(filename)
    ok, data = _yaml_data(text, ck)
    if not ok:
        raise TemplateInvalid(ck.problems)
    m = ck.mapping(data, "", _TEMPLATE_KEYS, tuple(k for k in _TEMPLATE_KEYS if k != "description"),
                   "the template")
    if m is None:
        raise TemplateInvalid(ck.problems)
    key = ck.slug(m, "", "key", TEMPLATE_KEY_RE, "a-z, 0-9 and -")
    stem = PurePath(filename).stem
    if key is not None and key != stem:
        ck.add("key", f"key {key!r} must be the same as the file name ({stem!r})")
    title = ck.text(m, "", "title", max_len=MAX_TITLE_LENGTH)
    version = ck.text(m, "", "version", max_len=MAX_VERSION_LENGTH)
    description = ck.text(m, "", "description", blank_ok=True)
    applies_to = ck.strings(m, "", "applies_to", CASE_TYPES, "case type")
    if applies_to == [] and m.get("applies_to") is not None:
        ck.add("applies_to", f"list at least one case type ({', '.join(CASE_TYPES)})")
    scale = _scale(m["scale"], ck) if m.get("scale") is not None else None
    sections = _sections(m, ck, scale)
    if ck.problems:
        raise TemplateInvalid(ck.problems)
    return AuditTemplate(key, title, version, tuple(applies_to), scale,  # type: ignore[arg-type]
                         tuple(sections), description, text)  # type: ignore[arg-type]


def _read(path: Path) -> str:
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"the file is larger than {MAX_BYTES // 1024 // 1024} MB")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 text (bad byte at offset {exc.start})") from None


def load_directory(path: str | Path) -> tuple[list[AuditTemplate], list[TemplateProblem]]:
    """Load every *.yaml / *.yml file in ``path`` (sorted by name). Bad files give problems only."""
    folder = Path(path)
    if not folder.is_dir():
        return [], [TemplateProblem(str(folder), "(file)", "the templates folder does not exist")]
    files = sorted((p for p in folder.iterdir() if p.suffix.lower() in (".yaml", ".yml")
                    and not p.name.startswith(".") and p.is_file()), key=lambda p: p.name)
    loaded: list[tuple[Path, AuditTemplate]] = []
    problems: list[TemplateProblem] = []
    for p in files:
        try:
            loaded.append((p, parse_template(_read(p), str(p))))
        except TemplateInvalid as exc:
            problems.extend(exc.problems)
        except (OSError, ValueError) as exc:
            problems.append(TemplateProblem(str(p), "(file)", str(exc)))
    by_key: dict[str, list[Path]] = {}
    for p, t in loaded:
        by_key.setdefault(t.key, []).append(p)
    for key, paths in by_key.items():
        for p in paths if len(paths) > 1 else ():
            others = ", ".join(o.name for o in paths if o != p)
            problems.append(TemplateProblem(str(p), "key", f"template key {key!r} is also declared in "
                                                           f"{others}; neither file is loaded"))
    templates = [t for _, t in loaded if len(by_key[t.key]) == 1]
    return templates, problems

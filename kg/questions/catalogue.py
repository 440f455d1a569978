"""The catalogue of named questions: one .rq file each in queries/, its header declaring what it asks.

The header follows grlc's decorator convention (`#+ key: value` lines holding YAML) so that the same folder can
serve grlc users; parameters are declared under `params` and appear in the query as BASIL-style variables
(`?_name_iri` for an IRI, `?_name` for a string, `?_name_integer` for a whole number). Values are always bound as
RDF terms, never pasted into the text as typed: a value matched to a term the graph holds may be written in as that
term, in canonical N-Triples form (kg.questions.inline), which Oxigraph plans as a constant.

A question ordered by patient may say `#+ keyed-by: patient`: it is then paged by key, a few patients at a time,
not by OFFSET (kg.questions.patient_pages, which checks on the parsed query that it may be).

>>> from kg.questions.catalogue import catalogue
>>> catalogue()["salvage-options"].params[0].name
'lost_antigen'
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from kg.errors import SalvageKgError
from kg.paths import QUERIES_DIR
from kg.questions.branches import split
from kg.questions.patient_pages import KEY_COLUMNS, keyed_problem, ordered_before_patient, projected

PARAM_TYPES = ("iri", "string", "integer", "decimal")
# A page of the answer (kg.questions.pages), in Python and over HTTP.
RESERVED_NAMES = ("page", "limit", "offset", "after")
# The web page's address holds a question's parameters beside these keys of its own (api/static/questions.js).
PAGE_ADDRESS_NAMES = ("question", "sort", "filter", "columns", "editor")


class QuestionFileError(SalvageKgError, ValueError):
    """A .rq file whose header cannot be read or does not match its query."""

    kinds = ("invalid_question_file",)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str
    example: str
    range: str | None = None  # for iri parameters: the class whose members (or subclasses) are accepted
    required: bool = True
    default: str | None = None

    @property
    def variable(self) -> str:
        """The SPARQL variable (without '?') the value is bound to."""
        suffix = {"iri": "_iri", "string": "", "integer": "_integer", "decimal": "_decimal"}[self.type]
        return f"_{self.name}{suffix}"


@dataclass(frozen=True)
class Question:
    name: str
    title: str
    description: str
    text: str
    path: Path
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    lists: tuple[str, ...] = field(default=())  # columns holding "a|b" lists, returned sorted as Python lists
    keyed_by: str | None = None  # `#+ keyed-by: patient`: pages by key, not OFFSET (kg.questions.patient_pages)
    grouped_by: str | None = None  # `#+ grouped-by: LOOK-UP`: by groups, then patient (kg.questions.group_pages)
    patients_from: str | None = None  # `#+ patients-from: LOOK-UP`: paged among the patients it lists, not all
    # The parameters' variables the patients-from look-up names: it lists the patients for the values given (the
    # patients given a therapy), and with none of them given the question is paged among every patient.
    patients_from_takes: tuple[str, ...] = ()
    group_order: tuple[str, ...] = ()  # what orders the groups: the question's ORDER BY before ?patient
    group_variables: tuple[str, ...] = ()  # what a group binds: the look-up's other columns
    patients_by: tuple[str, ...] = ()  # `#+ patients-by: [PARAM]`: variables each group's patients are listed by
    # `#+ members-from: {PARAM: LOOK-UP}`: (parameter's variable, look-up): with the parameter given, the terms the
    # look-up lists for it (a therapy: the agents it matches) are the only ones rows can hold: a grouped question
    # walks only their groups, one keyed by patient alone holds a FILTER to them (see _members_from).
    members_from: tuple[tuple[str, str], ...] = ()
    # `#+ patients-by-words: {PARAM: LOOK-UP}`: (parameter's variable, look-up): with the text given, pages walk the
    # patients whose statements hold its words, from an index of every statement's words (kg.questions.text_index).
    patients_by_words: tuple[str, str] | None = None

    @property
    def patients_read_once(self) -> str | None:
        """Its patients-from look-up where that takes no parameter: read once per state of the graph."""
        return None if self.patients_from_takes else self.patients_from

    @property
    def examples(self) -> dict[str, str]:
        """Its required parameters, as its header's examples give them (salvage-options: lost_antigen=CD19)."""
        return {param.name: param.example for param in self.params if param.required}

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)


def read_header(text: str) -> dict:
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    return yaml.safe_load("\n".join(lines)) or {}


def read_query(path: Path) -> str:
    """The text of a .rq file: every file in queries/ is UTF-8."""
    return path.read_text(encoding="utf-8")


@cache
def internal(name: str) -> "Question":
    """One of the project's own look-ups in queries/internal/ (not in the public catalogue), read once."""
    return load_question(QUERIES_DIR / "internal" / f"{name}.rq")


def _look_up(path: Path, key: str, name: str) -> Path:
    """The internal look-up a question's header names under `key`; a QuestionFileError when there is none."""
    found = QUERIES_DIR / "internal" / f"{name}.rq"
    if not found.is_file():
        raise QuestionFileError(f"{path.name}: {key}: {name} names no look-up in queries/internal/")
    return found


def _patients_by(path: Path, names, params: list[Param], columns: tuple[str, ...]) -> tuple[str, ...]:
    """The variables of `#+ patients-by: [PARAM, ...]`: optional parameters the grouped-by look-up projects, by
    whose values each group's patients are listed too, so that a page with one given walks only its patients."""
    declared = {param.name: param for param in params}
    found = []
    for name in names if isinstance(names, list) else [names]:
        param = declared.get(str(name))
        if param is None or param.type != "iri" or param.variable not in columns:
            raise QuestionFileError(f"{path.name}: patients-by: {name} must name an IRI parameter whose variable "
                                    "the grouped-by look-up projects")
        found.append(param.variable)
    return tuple(found)


def _members_from(path: Path, names, params: list[Param], variables: tuple[str, ...] | None,
                  question: str = "") -> tuple[tuple[str, str], ...]:
    """The pairs of `#+ members-from: {PARAM: LOOK-UP}`: an IRI parameter and a look-up that takes it and lists the
    terms it matches (a therapy: the agents, through the class hierarchy). In a grouped question (`variables`: its
    group variables) the parameter is optional and no group term, and the look-up projects group variables only:
    pages walk only the groups it lists (therapy-warnings). In a question keyed by patient alone (`variables`
    None) the look-up projects variables the question's required patterns bind, and its pages hold a FILTER to the
    terms listed (kg.questions.patient_pages.among_filter; responses-to-therapy)."""
    if not isinstance(names, dict):
        raise QuestionFileError(f"{path.name}: members-from must map a parameter to a look-up")
    declared, found, grouped = {param.name: param for param in params}, [], variables is not None
    for name, look_up in names.items():
        param = declared.get(str(name))
        if param is None or param.type != "iri" or (grouped and (param.required or param.variable in variables)):
            raise QuestionFileError(f"{path.name}: members-from: {name} must name an "
                                    + ("optional IRI parameter that is no group term" if grouped else "IRI parameter"))
        text = read_query(_look_up(path, "members-from", str(look_up)))
        columns = projected(text)
        if grouped:
            fits = set(columns) <= set(variables)
        else:
            fits = bool(columns) and keyed_problem(question, "patient", (), columns) is None
        if f"?{param.variable}" not in text or not fits:
            raise QuestionFileError(f"{path.name}: members-from: {look_up} must take ?{param.variable} and project "
                                    + ("group variables only" if grouped else "variables its required patterns bind"))
        found.append((param.variable, str(look_up)))
    return tuple(found)


def _patients_by_words(path: Path, names, params: list[Param], text: str) -> tuple[str, str]:
    """The pair of `#+ patients-by-words: {PARAM: LOOK-UP}`: a string parameter whose words the question looks
    for in ?node's words, and a look-up of every statement's (patient IRI, node, words)."""
    if not isinstance(names, dict) or len(names) != 1:
        raise QuestionFileError(f"{path.name}: patients-by-words must map one parameter to a look-up")
    [(name, look_up)] = names.items()
    param = {param.name: param for param in params}.get(str(name))
    if param is None or param.type != "string":
        raise QuestionFileError(f"{path.name}: patients-by-words: {name} must name a string parameter")
    columns = projected(read_query(_look_up(path, "patients-by-words", str(look_up))))
    if len(columns) != 3:
        raise QuestionFileError(f"{path.name}: patients-by-words: {look_up} must project a statement's patient "
                                "IRI, node and words")
    problem = keyed_problem(text, "patient", (), ("node",))
    if problem:
        raise QuestionFileError(f"{path.name}: patients-by-words: {problem}")
    return param.variable, str(look_up)


def load_question(path: Path) -> Question:
    text = read_query(path)
    try:
        header = read_header(text)
    except yaml.YAMLError as exc:
        raise QuestionFileError(f"{path.name}: header is not valid YAML: {exc}") from exc
    for key in ("summary", "description"):
        if not header.get(key):
            raise QuestionFileError(f"{path.name}: header lacks '#+ {key}:'")
    params = []
    for name, spec in (header.get("params") or {}).items():
        if name in RESERVED_NAMES:
            raise QuestionFileError(f"{path.name}: {name!r} names the page of an answer; call the parameter otherwise")
        if name in PAGE_ADDRESS_NAMES:
            raise QuestionFileError(f"{path.name}: {name!r} is a key of the web page's address; call the parameter "
                                    "otherwise")
        spec = spec or {}
        param_type = spec.get("type", "string")
        if param_type not in PARAM_TYPES:
            raise QuestionFileError(f"{path.name}: parameter {name} has unknown type {param_type!r}")
        param = Param(
            name=name,
            type=param_type,
            description=str(spec.get("description", "")).strip(),
            example=str(spec.get("example", "")),
            range=spec.get("range"),
            required=bool(spec.get("required", True)),
            default=None if spec.get("default") is None else str(spec["default"]),
        )
        if f"?{param.variable}" not in text:
            raise QuestionFileError(f"{path.name}: parameter {name} is declared but ?{param.variable} is not used")
        params.append(param)
    keyed_by, grouped_by = header.get("keyed-by"), header.get("grouped-by")
    patients_from = header.get("patients-from")
    if patients_from is not None and (keyed_by is None or grouped_by is not None):
        raise QuestionFileError(f"{path.name}: declares patients-from: {patients_from} without keyed-by: patient, "
                                "or with grouped-by (whose look-up lists the patients)")
    words_in = header.get("patients-by-words")
    if words_in is not None and (keyed_by is None or grouped_by is not None or patients_from is not None):
        raise QuestionFileError(f"{path.name}: declares patients-by-words without keyed-by: patient, or with "
                                "grouped-by or patients-from")
    takes = ()
    if patients_from is not None:
        listed = _look_up(path, "patients-from", patients_from).read_text(encoding="utf-8")
        takes = tuple(param.variable for param in params if f"?{param.variable}" in listed)
    order, variables, patients_by, members_from = (), (), (), ()
    if header.get("patients-by") is not None and grouped_by is None:
        raise QuestionFileError(f"{path.name}: declares patients-by without grouped-by (whose look-up lists them)")
    if header.get("members-from") is not None and keyed_by is None:
        raise QuestionFileError(f"{path.name}: declares members-from without keyed-by: patient")
    if header.get("members-from") is not None and grouped_by is None:
        members_from = _members_from(path, header["members-from"], params, None, text)
    if grouped_by is not None:
        if keyed_by is None:
            raise QuestionFileError(f"{path.name}: declares grouped-by: {grouped_by} without keyed-by: patient")
        columns = projected(read_query(_look_up(path, "grouped-by", grouped_by)))
        order = ordered_before_patient(text)
        patients_by = _patients_by(path, header.get("patients-by") or [], params, columns)
        variables = tuple(name for name in columns if name not in (*order, *KEY_COLUMNS, *patients_by))
        members_from = _members_from(path, header.get("members-from") or {}, params, variables)
        if not order or not set(order) <= set(columns):
            raise QuestionFileError(f"{path.name}: grouped-by: {grouped_by} must project what the question orders "
                                    f"by before ?patient ({', '.join(order) or 'nothing'})")
    if keyed_by is not None:
        # A grouped answer whose WHERE starts with a union of patients' rows and rows of no patient is paged
        # branch by branch (kg.questions.branches): its patients' branch is what must be keyed.
        branches = split(text) if grouped_by is not None else None
        problem = keyed_problem(branches.patients if branches else text, str(keyed_by), order, variables)
        if problem:
            raise QuestionFileError(f"{path.name}: declares keyed-by: {keyed_by}, but {problem}")
    return Question(
        name=path.stem,
        title=str(header["summary"]).strip(),
        description=" ".join(str(header["description"]).split()),
        text=text,
        path=path,
        tags=tuple(header.get("tags") or ()),
        params=tuple(params),
        lists=tuple(header.get("lists") or ()),
        keyed_by=None if keyed_by is None else str(keyed_by),
        grouped_by=None if grouped_by is None else str(grouped_by),
        patients_from=None if patients_from is None else str(patients_from),
        patients_from_takes=takes,
        group_order=order,
        group_variables=variables,
        patients_by=patients_by,
        members_from=members_from,
        patients_by_words=None if words_in is None else _patients_by_words(path, words_in, params, text),
    )


@cache
def catalogue(directory: Path = QUERIES_DIR) -> dict[str, Question]:
    """Every named question in the folder, by name (the file name without .rq). One query shape each: since #20
    the derived facts make a question as fast for one patient as its cohort-wide text allows, with no variant."""
    return {path.stem: load_question(path) for path in sorted(directory.glob("*.rq"))}

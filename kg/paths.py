"""Where the project's data lives: the ontology, the cases, the questions and the rules.

In a checkout (or an editable install) they sit beside the package; a wheel carries copies under kg/_data.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent
_WHEEL_DATA = _PACKAGE / "_data"


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


ONTOLOGY_DIR = _first_existing(_CHECKOUT / "ontology", _WHEEL_DATA / "ontology")
QUERIES_DIR = _first_existing(_CHECKOUT / "queries", _WHEEL_DATA / "queries")
RULES_DIR = QUERIES_DIR / "rules"
CASES_DIR = _PACKAGE / "cases"
STUDIES_DIR = _PACKAGE / "studies"  # published study results (level B), kept apart from the case reports

ONTOLOGY_FILE = ONTOLOGY_DIR / "salvage-kg.ttl"
VOCABULARY_FILE = ONTOLOGY_DIR / "vocabulary.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"


def installed() -> bool:
    """True when the package runs from an installed wheel rather than a checkout (whose kg/cases/ is the source
    of the bundled cases, kept in git)."""
    return not (_CHECKOUT / "pyproject.toml").is_file()


def case_files(directory: Path = CASES_DIR) -> list[Path]:
    """Every case report's Turtle file, in a stable order."""
    return sorted(directory.glob("*.ttl"))


def study_files(directory: Path = STUDIES_DIR) -> list[Path]:
    """Every file of published study results, in a stable order."""
    return sorted(directory.glob("*.ttl"))

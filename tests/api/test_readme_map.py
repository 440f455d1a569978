"""The README's map of the house: every module of kg/ and api/ named with its one job, and every route of the
API with the one library function it calls. A module or route added without its line fails here."""

import re

from locations import PROJECT

from api.app import create_app

README = (PROJECT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end]


def _modules() -> list[str]:
    found = []
    for package in ("kg", "api"):
        for path in sorted((PROJECT / package).rglob("*.py")):
            relative = path.relative_to(PROJECT)
            if {"static", "web", "node_modules"} & set(relative.parts):
                continue
            # a package is listed by its folder, or by its __init__.py where that holds an interface
            found.append(f"{relative.parent}/" if path.name == "__init__.py" and relative.parent.name != package
                         else str(relative))
    return found


def test_the_readme_names_every_module_with_its_job():
    built = _section("How it is built")
    listed = {match.group(1): match.group(2) for match in re.finditer(r"^(\S+)\s+(\S.*)$", built, re.MULTILINE)}
    missing = [module for module in _modules() if module not in listed]
    assert missing == [], "modules missing from the README's map (How it is built): " + ", ".join(missing)


def _routes() -> set[tuple[str, str]]:
    paths = create_app().openapi()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations
            if not path.startswith("/questions/")}  # one route per question: the table names /questions/{name}


def test_the_readme_names_the_library_function_of_every_route():
    table = _section("How it is built")
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    named = " ".join(row.split("|")[1] for row in rows)
    unnamed = sorted(f"{method} {path}" for method, path in _routes()
                     if not re.search(re.escape(path.replace("{patient_id}", "{id}").replace("{case_id}", "{id}"))
                                      + r"(`|,|\s)", named))
    assert unnamed == []
    assert all(row.split("|")[2].strip() for row in rows)

"""kind -> exit code: the one table the command line turns a library error into (kg/errors.py; a test checks that
every kind has its row here).

2 is what argparse answers for a command line it cannot run: the user changes what they typed. 1 is everything
else: a file, a store, the graph, or a case that could not be used as it is.
"""

from kg.errors import SalvageKgError

USAGE = 2
FAILED = 1

EXIT = {
    # what was typed: a parameter, a question's name, an option, a phenopacket given to import
    "usage": USAGE, "invalid_parameter": USAGE, "unknown_question": USAGE, "unknown_patient": USAGE,
    "invalid_phenopacket": USAGE,
    # a case refused by the graph's checks (add-case), or the graph itself (build, validate)
    "syntax": FAILED, "invalid": FAILED, "too_large": FAILED, "conflict": FAILED, "not_found": FAILED,
    "rejected": FAILED, "cancelled": FAILED, "nonconforming": FAILED, "not_exportable": FAILED,
    # where the graph lives: an on-disk store held by another process, a remote store down or refusing
    "store_in_use": FAILED, "store_failed": FAILED, "store_unreachable": FAILED, "store_timeout": FAILED,
    "store_altered": FAILED, "not_on_this_store": FAILED, "stale_store": FAILED,
    # a query stopped or refused (the server's query workers, the SPARQL guard)
    "not_acceptable": FAILED, "not_representable": FAILED, "timeout": FAILED, "busy": FAILED, "crashed": FAILED,
    "question_failed": FAILED, "service_disabled": FAILED, "read_only": FAILED, "too_deeply_nested": FAILED,
    "too_complex": FAILED,
    # the project's own files
    "invalid_question_file": FAILED, "unsupported_shape": FAILED,
}


def exit_code(error: SalvageKgError) -> int:
    return EXIT[error.kind]

"""The command line's own rules: one-line errors, every option's default in its help, checked numbers."""

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


class UsageError(ValueError):
    """A command line that cannot be run as given (exit code 2)."""


def progress(message: str) -> None:
    """Progress of a long command, on stderr so that stdout carries only the answer."""
    print(message, file=sys.stderr, flush=True)


def existing(names: list[str]) -> list[Path]:
    """Files named on the command line (extra case files, one to import); all must exist."""
    paths = [Path(name) for name in names]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    return paths


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def positive(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {text}")
    return value


def count(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is less than 0")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is not more than 0")
    return value


def port(text: str) -> int:
    value = positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port (1 to 65535)")
    return value


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (its usage block is a --help away) and each option's default in its help."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", DefaultsHelp)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class DefaultsHelp(argparse.ArgumentDefaultsHelpFormatter):
    """Adds "(default: ...)" to an option's help unless the help already says its default in words."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text:
            return text
        if action.nargs == 0 and action.default is not argparse.SUPPRESS:  # a flag (not --help, --version)
            return f"{text} (default: off)".lstrip()
        if action.default is None or not action.option_strings:
            return text
        return super()._get_help_string(action)


def installed_version() -> str:
    try:
        return version("salvage-kg")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"

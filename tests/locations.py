"""Where the tests find the project and the team's shared reference files, wherever a test module sits."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"  # seeds and reference files, beside the checkout (not shipped with it)
DATA = Path(__file__).resolve().parent / "data"

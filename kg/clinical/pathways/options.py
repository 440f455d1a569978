"""How a pathway is cut before patients are counted together: the options OHDSI TreatmentPatterns offers.

- `mode`: "all" keeps every therapy given; "changes" collapses consecutive repeats of the same therapy into one
  step (two tisagenlecleucel infusions in a row count once, with the outcome of the last reported one);
  "first" keeps each therapy only where it first appears in a patient's pathway (TreatmentPatterns' "First").
- `max_length`: only the first N steps (after the mode is applied).
- `min_count`: a pathway shared by fewer patients is hidden, and so is any breakdown cell smaller than this,
  because small counts identify patients. The bundled graph holds published case reports only, so the default
  is 1; use 5 or more (TreatmentPatterns' default) for any cohort of real, unpublished patients.
"""

from dataclasses import dataclass, replace

from kg.clinical.pathways.model import NOT_REPORTED, Pathway, Step
from kg.questions.parameters import ParameterError

MODES = ("all", "changes", "first")
MAX_LENGTH_LIMIT = 50


@dataclass(frozen=True)
class Options:
    mode: str = "all"
    max_length: int | None = None
    min_count: int = 1

    def __post_init__(self):
        if self.mode not in MODES:
            raise ParameterError("mode", f"{self.mode!r} is not a mode; accepted: {', '.join(MODES)}", MODES)
        if isinstance(self.min_count, bool) or not isinstance(self.min_count, int) or self.min_count < 1:
            raise ParameterError("min_count", f"{self.min_count!r} is not a whole number of 1 or more")
        if self.max_length is not None and (
            isinstance(self.max_length, bool) or not isinstance(self.max_length, int)
            or not 1 <= self.max_length <= MAX_LENGTH_LIMIT
        ):
            raise ParameterError("max_length", f"{self.max_length!r} is not a whole number from 1 to "
                                 f"{MAX_LENGTH_LIMIT}")

    def as_dict(self) -> dict:
        return {"mode": self.mode, "max_length": self.max_length, "min_count": self.min_count}


def steps_of(pathway: Pathway, options: Options) -> tuple[Step, ...]:
    """The steps of one pathway as the options cut it."""
    steps = list(pathway.steps)
    if options.mode == "changes":
        steps = _collapse_repeats(steps)
    elif options.mode == "first":
        firsts, seen = [], set()
        for step in steps:
            if step.therapy not in seen:
                firsts.append(step)
                seen.add(step.therapy)
        steps = firsts
    if options.max_length is not None:
        steps = steps[: options.max_length]
    return tuple(steps)


def _collapse_repeats(steps: list[Step]) -> list[Step]:
    runs: list[list[Step]] = []
    for step in steps:
        if runs and runs[-1][-1].therapy == step.therapy:
            runs[-1].append(step)
        else:
            runs.append([step])
    return [run[0] if len(run) == 1 else _merge(run) for run in runs]


def _merge(run: list[Step]) -> Step:
    # The run's outcome is the last one the source reports: inotuzumab cycle 1 brought CR4 and cycle 2's outcome is
    # not reported, so "inotuzumab x2" reached CR4; two CAR-T infusions ending in relapse count as a relapse.
    reported = [step for step in run if step.state is not None or step.response != NOT_REPORTED] or run
    outcome = reported[-1]
    return replace(run[0], response=outcome.response, response_locator=outcome.response_locator,
                   state=outcome.state, time_to_state=outcome.time_to_state, then=run[-1].then,
                   members=tuple(run))

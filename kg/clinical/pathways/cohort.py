"""Every patient's pathway read from one graph, with the questions, graphs and pictures built on them in one place.

>>> import kg
>>> cohort = Cohort.read(kg.default_graph())
>>> [step.outcome_short for step in cohort["rascon-2022"].steps][:3]
['CR1 MRD-negative', 'refractory', 'CR2 MRD-negative']
>>> cohort.followed("relapse, CD19-negative").next
{'inotuzumab ozogamicin': 1}
"""

from collections.abc import Iterator

import networkx as nx

from kg.clinical.pathways import ask, graphs, sankey, swimmer
from kg.clinical.pathways.model import Pathway
from kg.clinical.pathways.options import Options
from kg.clinical.pathways.read import read_pathways
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.parameters import ParameterError


class Cohort:
    def __init__(self, graph: KnowledgeGraph, pathways: dict[str, Pathway]):
        self.graph = graph
        self.pathways = pathways

    @classmethod
    def read(cls, graph: KnowledgeGraph | None = None, patient: str | None = None) -> "Cohort":
        """Every patient's pathway (or one patient's) from a graph; the bundled cases when none is given."""
        if graph is None:
            from kg import default_graph

            graph = default_graph()
        return cls(graph, read_pathways(graph, patient))

    # --- patients ------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.pathways)

    def __iter__(self) -> Iterator[Pathway]:
        return iter(self.pathways.values())

    def __getitem__(self, patient: str) -> Pathway:
        if patient not in self.pathways:
            known = sorted(self.pathways)
            shown = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
            raise ParameterError("patient", f"no pathway for {patient!r}; known: {shown}", tuple(known))
        return self.pathways[patient]

    def patient_graph(self, patient: str) -> nx.DiGraph:
        return graphs.patient_graph(self[patient])

    # --- every patient together ------------------------------------------------------------------------------

    def transitions(self, options: Options | None = None, **settings) -> nx.DiGraph:
        """The merged transition graph; options as an Options or as keywords (mode=, max_length=, min_count=)."""
        return graphs.transition_graph(self, options or Options(**settings))

    def band(self, source: str, target: str, options: Options | None = None, **settings) -> list[str]:
        """The patients of one band of the Sankey: from node `source` to node `target` ("1. X" -> "2. Y")."""
        return graphs.band_patients(self, options or Options(**settings), source, target)

    def frequent_paths(self, options: Options | None = None, top: int | None = 10, **settings) -> list[dict]:
        options = options or Options(**settings)
        cut = graphs.cut_pathways(self, options)
        return graphs.frequent_paths_of(graphs.path_counts(cut), len(cut), options.min_count, top)

    def followed(self, name: str, options: Options | None = None, **settings) -> ask.Followed:
        return ask.followed(self, self.graph, name, options or Options(**settings))

    def reached_after_failure(self, failed: str = "CAR-T", reached: str = ask.MRD_NEGATIVE_CR) -> list[ask.Route]:
        return ask.reached_after_failure(self, self.graph, failed, reached)

    # --- pictures ------------------------------------------------------------------------------------------

    def sankey_svg(self, options: Options | None = None, **settings) -> str:
        return sankey.sankey_svg(self.transitions(options, **settings))

    def sankey_html(self, options: Options | None = None, **settings) -> str:
        return sankey.sankey_html(self.transitions(options, **settings))

    def swimmer(self, patients: list[str] | None = None, **options):
        """The swimmer plot (a matplotlib Figure) of some patients, or of everyone (aggregated when many)."""
        chosen = [self[patient] for patient in patients] if patients else list(self)
        return swimmer.swimmer_figure(chosen, **options)

    def swimmer_svg(self, patients: list[str] | None = None, **options) -> str:
        chosen = [self[patient] for patient in patients] if patients else list(self)
        return swimmer.swimmer_svg(chosen, **options)

"""Treatment pathways: every patient's therapies in order, each tied to the disease state it produced and to its
source, merged across patients the way OHDSI TreatmentPatterns does (counts and percentages at each transition,
rare pathways hidden), and drawn as a swimmer plot and a Sankey diagram.

The sequences are read through named questions (queries/pathway-steps.rq, pathway-states.rq,
pathway-timings.rq); nothing here holds SPARQL.

    model     Step, State, Pathway: values with their sources
    read      the pathways, from the named questions
    options   all / changes / first, maximum length, minimum count
    graphs    a patient's DiGraph, the merged transition DiGraph, frequent paths
    ask       what followed a therapy or a state; routes to remission after a failed therapy
    export    GraphML, node-link JSON, Cytoscape.js JSON
    sankey    the merged graph as SVG / a self-contained HTML page
    swimmer   a swimmer plot (matplotlib): one lane per patient, or per shared course for large cohorts
    cohort    Cohort: all of the above over one graph

>>> import kg
>>> cohort = Cohort.read(kg.default_graph())
>>> cohort.frequent_paths(mode="first", max_length=2)
[{'path': ['NOPHO ALL-2008 protocol', 'high-risk chemotherapy course'], 'count': 1, 'percent': 50.0}, \
{'path': ['therapy not reported', 'cord blood transplant'], 'count': 1, 'percent': 50.0}]
"""

from kg.clinical.pathways.ask import Followed, Route
from kg.clinical.pathways.cohort import Cohort
from kg.clinical.pathways.export import FORMATS, cytoscape, node_link, write, write_graphml
from kg.clinical.pathways.model import Pathway, Source, State, Step, Timing
from kg.clinical.pathways.options import MODES, Options

__all__ = [
    "FORMATS",
    "MODES",
    "Cohort",
    "Followed",
    "Options",
    "Pathway",
    "Route",
    "Source",
    "State",
    "Step",
    "Timing",
    "cytoscape",
    "node_link",
    "write",
    "write_graphml",
]

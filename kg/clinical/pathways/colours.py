"""One colour code for every pathway picture: disease states in strong colours a clinician already reads (green
remission, red relapse, amber rising MRD), therapies in pale tints of their family, so state markers stay visible
on top of therapy bars."""

from kg.namespaces import SK

# Disease-state categories (kg.clinical.pathways.model.State.category), in the order legends and stacks list them.
STATE_COLOURS = {
    "complete remission, MRD-negative": "#1b7f3b",
    "complete remission, MRD-positive": "#8cc152",
    "complete remission, MRD not reported": "#b9dfb0",
    "rising MRD": "#f2a900",
    "relapse": "#c62828",
    "relapse, antigen-negative": "#7b1fa2",
    "refractory": "#5d4037",
    "diagnosis": "#546e7a",
    "not reported": "#bdbdbd",
    "other": "#90a4ae",
}


def state_colour(category: str) -> str:
    if category in STATE_COLOURS:
        return STATE_COLOURS[category]
    if category.startswith("relapse, "):  # relapse, CD19-negative; relapse, CD22-negative ...
        return STATE_COLOURS["relapse, antigen-negative"]
    return STATE_COLOURS["other"]  # also "other (each fewer than N)", the cells too small to show


def state_rank(category: str) -> int:
    """Position of a category in legends and stacks (antigen-negative relapses next to relapse)."""
    keys = list(STATE_COLOURS)
    if category in STATE_COLOURS:
        return keys.index(category)
    if category.startswith("relapse, "):
        return keys.index("relapse, antigen-negative")
    return len(keys)


# Therapy families, most specific first: the first class a therapy belongs to names its family.
FAMILIES = (
    ("stem cell transplant", str(SK.HematopoieticStemCellTransplant), "#d7ccc8"),
    ("CAR-T", str(SK.CARTProduct), "#b2ebf2"),
    ("bispecific T-cell engager", str(SK.BispecificTCellEngager), "#d1c4e9"),
    ("antibody-drug conjugate", str(SK.AntibodyDrugConjugate), "#ffe0b2"),
    ("immunotherapy", str(SK.Immunotherapy), "#f8bbd0"),
    ("chemotherapy", str(SK.Chemotherapy), "#cfd8dc"),
    ("radiotherapy", str(SK.Radiotherapy), "#f0f4c3"),
)
UNKNOWN_FAMILY = ("therapy not reported", "#f5f5f5")


def family(kinds) -> tuple[str, str]:
    """(family name, pale colour) of a therapy from the classes it belongs to."""
    for name, iri, colour in FAMILIES:
        if iri in kinds:
            return name, colour
    return UNKNOWN_FAMILY

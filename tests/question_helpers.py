"""What tests of the named questions share."""

from kg.questions.catalogue import catalogue


def examples(name: str) -> dict[str, str]:
    """The question's required parameters, as its header's examples give them."""
    return {param.name: param.example for param in catalogue()[name].params if param.required}

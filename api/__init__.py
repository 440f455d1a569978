"""The HTTP face of salvage-kg: a thin, stateless FastAPI app over `kg` (it holds no SPARQL of its own)."""

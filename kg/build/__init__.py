"""Making the graph: the build pipeline, derivation rules, SHACL validation, curation of cases, and the formats it is
written out in (RDF files, GA4GH Phenopackets)."""

"""Where the graph lives and who runs its SPARQL: in memory, on disk, a remote SPARQL 1.1 store, query workers."""

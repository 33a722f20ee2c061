"""Records to RDF: namespaces, IRIs, the mapping and the serialisation formats."""

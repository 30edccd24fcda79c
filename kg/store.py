"""Where the triples live: rdflib ``Store`` back-ends behind one small factory.

``open_store(kind, location)``:

* ``"memory"`` (default): rdflib's in-memory ``Memory`` store; ``location`` is ignored.
* ``"oxigraph"``: the Oxigraph store from ``oxrdflib`` (plugin name ``"Oxigraph"``);
  ``location`` is a directory for an on-disk database, ``None`` for in-memory.
* ``"sparql"``: a remote, read-only SPARQL 1.1 endpoint (``SPARQLStore``); ``location`` is its URL.
* ``"sparql-update"``: a remote endpoint that accepts updates (``SPARQLUpdateStore``);
  ``location`` is ``"QUERY_URL"`` or ``"QUERY_URL UPDATE_URL"``.

To add a back-end, add a branch here; :class:`kg.graph.KnowledgeGraph` only needs a
context-aware ``Store`` (named graphs are used to separate asserted from inferred triples).
"""

from __future__ import annotations

from typing import Literal

from rdflib import plugin
from rdflib.plugins.stores.memory import Memory
from rdflib.store import Store

from kg.errors import KGError

StoreKind = Literal["memory", "oxigraph", "sparql", "sparql-update"]
STORE_KINDS: tuple[str, ...] = ("memory", "oxigraph", "sparql", "sparql-update")


def open_store(kind: str = "memory", location: str | None = None) -> Store:
    """A ready-to-use rdflib store of the given kind."""
    if kind == "memory":
        return Memory()
    if kind == "oxigraph":
        store = plugin.get("Oxigraph", Store)()
        if location:
            store.open(location, create=True)
        return store
    if kind in ("sparql", "sparql-update"):
        if not location:
            raise KGError(f"a '{kind}' store needs the endpoint URL as its location")
        from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore

        if kind == "sparql":
            return SPARQLStore(query_endpoint=location)
        query_url, _, update_url = location.partition(" ")
        return SPARQLUpdateStore(query_endpoint=query_url, update_endpoint=update_url or query_url)
    raise KGError(f"unknown store kind '{kind}' (choose one of {', '.join(STORE_KINDS)})")

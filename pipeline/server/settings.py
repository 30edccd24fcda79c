"""Settings of the HTTP service (``axlab serve`` options)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class ServerSettings:
    """What ``axlab serve`` was started with.

    ``queue_size`` counts generation requests *waiting* for a model: one request runs
    per model, up to ``queue_size`` more wait, the next one gets 429 with Retry-After.
    ``update_token`` enables ``POST /sparql/update`` (Bearer auth); ``None`` disables it.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    update_token: str | None = None
    queue_size: int = 8
    query_timeout: float = 10.0  # seconds per SPARQL query (including serialisation)
    max_results: int = 10_000  # rows of a SELECT, triples of a CONSTRUCT/DESCRIBE
    max_body_bytes: int = 64 * 1024  # request bodies above this get 413
    max_tokens_limit: int = 4096  # largest max_tokens a client may ask for (<= the schema's 4096)
    sparql_workers: int = 4  # SPARQL queries running at once (each in its own worker process)
    sparql_processes: bool = True  # read queries in killable worker processes (False: threads)
    sparql_prestart: bool = False  # start every worker process at startup (axlab serve does)
    sparql_memory_mb: int = 2048  # address-space cap of a worker process (Linux); 0: none
    max_result_bytes: int = 32 * 1024 * 1024  # a serialised SPARQL result above this gets 413
    retry_after_min_s: int = 1
    warm: bool = False  # call answerer.warm(warm_modes) at startup (axlab serve does)
    warm_modes: tuple[str, ...] = ("graph", "hybrid")

    def __post_init__(self) -> None:
        if self.queue_size < 0:
            raise ValueError("queue_size must be >= 0")
        if self.query_timeout <= 0:
            raise ValueError("query_timeout must be > 0")
        if self.max_results < 1:
            raise ValueError("max_results must be >= 1")
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be >= 1024")
        if not 1 <= self.max_tokens_limit <= 4096:
            raise ValueError("max_tokens_limit must be in 1..4096")
        if self.sparql_workers < 1:
            raise ValueError("sparql_workers must be >= 1")
        if self.sparql_memory_mb < 0:
            raise ValueError("sparql_memory_mb must be >= 0")
        if self.max_result_bytes < 1024:
            raise ValueError("max_result_bytes must be >= 1024")
        if self.update_token is not None and not self.update_token.strip():
            raise ValueError("update_token must not be empty")

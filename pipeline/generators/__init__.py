"""Generator back-ends besides in-process MLX (:mod:`lora.generate`): see :mod:`pipeline.generators.remote`."""

from pipeline.generators.base import Generator, GeneratorError
from pipeline.generators.remote import RemoteGenerator, generator_from_env

__all__ = ["Generator", "GeneratorError", "RemoteGenerator", "generator_from_env"]

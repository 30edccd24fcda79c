"""The ``axlab`` command line (also ``python -m pipeline``).

Commands live in ``pipeline/commands/*.py``; each module exposes ``register(app)``.
Any user error becomes one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from pipeline.errors import AxlabError, user_error_types

COMMAND_MODULES = (
    "pipeline.commands.kg_commands",
    "pipeline.commands.store_commands",
    "pipeline.commands.lora_commands",
    "pipeline.commands.ask_commands",
    "pipeline.commands.eval_commands",
    "pipeline.commands.ablate_commands",
    "pipeline.commands.serve_commands",
)

err_console = Console(stderr=True)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="axlab",
        help=(
            "AX Lab: ask an organisation's knowledge through an ontology-grounded, LoRA-tuned small model. "
            "Every command takes --knowledge PATH (a knowledge folder or facts file; env AXLAB_KNOWLEDGE; "
            "default: the shipped example, data/solverx)."
        ),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.register(app)
    return app


def select_knowledge(argv: list[str]) -> list[str]:
    """Take ``--knowledge PATH`` (anywhere on the line) into ``$AXLAB_KNOWLEDGE``; the rest of argv.

    The knowledge is chosen once per process, before any command module reads the ontology, so
    every command honours it the same way.
    """
    rest: list[str] = []
    chosen: str | None = None
    args = iter(argv)
    for arg in args:
        if arg == "--":
            rest.append(arg)
            rest.extend(args)
            break
        if arg == "--knowledge":
            chosen = next(args, None)
            if chosen is None:
                raise SystemExit("error: --knowledge needs a path")
        elif arg.startswith("--knowledge="):
            chosen = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    if chosen is not None:
        path = Path(chosen).expanduser()
        if not path.exists():
            err_console.print(
                f"[bold red]error:[/] {chosen}: no such knowledge folder or file",
                highlight=False,
                soft_wrap=True,
            )
            sys.exit(2)
        os.environ["AXLAB_KNOWLEDGE"] = str(path.resolve())
    return rest


def main(argv: list[str] | None = None) -> None:
    argv = select_knowledge(list(sys.argv[1:] if argv is None else argv))
    try:
        app = build_app()  # the selected knowledge's ontology is read when a command needs it
        app(args=argv, standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err_console.print("axlab: interrupted")
        sys.exit(130)
    except Exception as exc:  # a user error is one clear line, no traceback
        # the error types are looked up only now: importing kg.errors loads rdflib (~1 s),
        # which 'ask --server' never needs; the module that raised is loaded already
        if not isinstance(exc, AxlabError) and not isinstance(exc, user_error_types()):
            raise
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
        sys.exit(getattr(exc, "exit_code", 1))

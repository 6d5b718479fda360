"""The one root of every error the pipeline raises on purpose, and the exit code each maps to.

Callers (the CLI, a library user) catch `PipelineError` once instead of a tuple per module; each
class keeps its historical base (`ValueError`, `RuntimeError`, `KeyError`) so existing
`except ValueError` sites keep working.
"""

from __future__ import annotations

EXIT_FAILURE = 1  # the work failed (a provider error, an unusable corpus)
EXIT_USAGE = 2  # bad input, a busy or unusable $PIPELINE_HOME, a request the tool cannot serve
EXIT_BUDGET = 3  # --max-cost would be exceeded


class PipelineError(Exception):
    """Base of the package's errors: a message meant for the user plus the CLI exit code."""

    exit_code: int = EXIT_FAILURE

    def __init__(self, *args: object, exit_code: int | None = None) -> None:
        super().__init__(*args)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def user_message(self) -> str:
        """What `error:` prints: the message itself, never a `KeyError`'s quoted repr."""
        own = self.__dict__.get("message")
        if isinstance(own, str):
            return own
        if isinstance(self, KeyError) and self.args:
            return str(self.args[0])
        return str(self)


class UsageError(PipelineError):
    """Bad input or configuration: the same command will fail again until the input changes."""

    exit_code = EXIT_USAGE


def exit_code_of(exc: BaseException, default: int = EXIT_FAILURE) -> int:
    """The exit code an error asks for; `default` for errors from outside the package."""
    return exc.exit_code if isinstance(exc, PipelineError) else default


def message_of(exc: BaseException) -> str:
    """The user-facing text of any error (a `KeyError`'s argument, not its repr)."""
    if isinstance(exc, PipelineError):
        return exc.user_message
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)

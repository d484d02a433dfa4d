"""A context variable set for a block of code: who a request or job works for, how much of the budget it leaves."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


@contextmanager
def scoped[T](variable: ContextVar[T], value: T) -> Iterator[None]:
    """Sets the variable for the block, and puts back what it was after, even when the block fails."""
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)

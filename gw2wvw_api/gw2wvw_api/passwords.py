"""The password policy of the API: at least 10 characters, and none of the common ones.

The common passwords are zxcvbn's list (30,000 from leaked-password corpora), loaded on first
use; a password is refused when it matches one in any case.
"""

from __future__ import annotations

import functools

from gw2wvw_api.problems import ProblemError, ProblemException


@functools.cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """Whether ``password`` is one of the commonly used (and so first guessed) passwords."""
    return password.casefold() in _common()


def check_password(password: str | None, path: str = "/body/password") -> None:
    """A 422 at ``path`` when ``password`` is a common one (None passes)."""
    if password is not None and is_common(password):
        message = "this password is one of the most common ones; choose another"
        raise ProblemException(
            422,
            "validation_failed",
            message,
            errors=[ProblemError(path=path, code="common_password", message=message)],
        )

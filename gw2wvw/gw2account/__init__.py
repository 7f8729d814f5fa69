"""A player's GW2 account, read with their official API key: characters, builds, suggestions.

The model (:class:`Gw2Account`, :func:`suggest`) needs only the core; reading the official API
(:mod:`gw2wvw.gw2account.client`) needs the ``sync`` extra.
"""

from gw2wvw.gw2account.errors import Gw2ApiError, InvalidKeyError, MissingScopesError
from gw2wvw.gw2account.model import (
    AccountBuild,
    Gw2Account,
    Gw2Character,
    Suggestion,
    api_build,
    signup_specializations,
    suggest,
    to_account,
)

__all__ = [
    "AccountBuild",
    "Gw2Account",
    "Gw2ApiError",
    "Gw2Character",
    "InvalidKeyError",
    "MissingScopesError",
    "Suggestion",
    "api_build",
    "signup_specializations",
    "suggest",
    "to_account",
]

"""The single version of gw2wvw, gw2wvw-api and gw2wvw-worker."""

__version__ = "0.1.0"

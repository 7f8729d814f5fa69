"""The root of every exception gw2wvw raises on purpose."""


class Gw2WvwError(Exception):
    """Base class of all gw2wvw errors; catch it to handle any of them."""

"""The one exception type the library raises for a user's mistake."""


class TwingraphError(Exception):
    """A problem the user can fix; the message says where and what to do."""

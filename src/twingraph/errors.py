"""The one exception type the library raises for a user's mistake."""


class TwingraphError(Exception):
    """A problem the user can fix; the message says where and what to do."""


class ParameterError(TwingraphError, ValueError):
    """A request's parameter of the wrong kind (a year that is none, an unknown sort column).

    ``template`` is the message in English, a msgid of the server's catalogue, with ``%(name)s`` for each of
    ``values`` (the parameter, the value given), so that a page can say it in its reader's language.

    >>> str(ParameterError("%(param)s=%(value)s: a page is a number from 1", param="page", value="'x'"))
    "page='x': a page is a number from 1"
    """

    def __init__(self, template: str, **values: str) -> None:
        self.template, self.values = template, values
        super().__init__(template % values if values else template)

"""What a path parameter may look like, for the routers' `lookup_value_regex`: the same as
Django's `<int:...>` and `<slug:...>` converters used by the plain routes. Anything else in
the address is no route at all, so a 404 in the API's error format (catalog/api/errors.py),
never a malformed value handed to the database (issue 15: `null,null` as an id was a 500)."""

ID_PATTERN = "[0-9]+"
SLUG_PATTERN = "[-a-zA-Z0-9_]+"

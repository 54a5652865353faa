"""The extra layers of the tier tests, shared by their fixtures and tests."""

HIDDEN = {
    "zz_internal_layer": ("internal", "Verborgen interne laag"),
    "zz_restricted_layer": ("restricted", "Verborgen beperkte laag"),
}
UNKNOWN = "zz_no_such_layer"
CODE = "BU05031102"
QUERY = "?level=buurt&municipality=GM0503"

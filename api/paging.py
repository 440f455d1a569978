"""Pages over HTTP: the `limit`, `offset` and `after` parameters, and the `Link: rel="next"` header (RFC 8288).

Every route that can return a whole cohort answers a page at a time, so that one request never asks for
100,000 patients' rows. The next page is announced in a header, so a list body can stay a list. An answer ordered
by patient announces it by key (`after=KEY`), which costs the same on the thousandth page as on the first.
"""

from fastapi import Query, Request

from kg.questions.pages import DEFAULT_LIMIT, MAX_KEY, MAX_LIMIT, MAX_OFFSET, Key

LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"rows per page (at most {MAX_LIMIT:,})",
              examples=[DEFAULT_LIMIT])
OFFSET = Query(0, ge=0, le=MAX_OFFSET, description="rows to skip: where the page before said the next one starts",
               examples=[0])
AFTER = Query(None, max_length=MAX_KEY, description="where the page before ended: the `next` key it gave (its "
              "Link header holds it); not with offset", examples=[Key("pbc-2021").written()])


def next_link(request: Request, next_offset: int | None, next_key: str | None = None) -> dict[str, str]:
    """The header pointing at the next page (the same request, after the key or at a later offset); none on the
    last page."""
    if next_key is not None:
        url = request.url.remove_query_params("offset").include_query_params(after=next_key)
    elif next_offset is not None:
        url = request.url.include_query_params(offset=next_offset)
    else:
        return {}
    return {"Link": f'<{url}>; rel="next"'}

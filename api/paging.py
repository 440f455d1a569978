"""Pages over HTTP: the `limit` and `offset` parameters, and the `Link: rel="next"` header (RFC 8288).

Every route that can return a whole cohort answers a page at a time, so that one request never asks for
100,000 patients' rows. The next page is announced in a header, so a list body can stay a list.
"""

from fastapi import Query, Request

from kg.questions.pages import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET

LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"rows per page (at most {MAX_LIMIT:,})",
              examples=[DEFAULT_LIMIT])
OFFSET = Query(0, ge=0, le=MAX_OFFSET, description="rows to skip: where the page before said the next one starts",
               examples=[0])


def next_link(request: Request, next_offset: int | None) -> dict[str, str]:
    """The header pointing at the next page (the same request, later offset); none on the last page."""
    if next_offset is None:
        return {}
    return {"Link": f'<{request.url.include_query_params(offset=next_offset)}>; rel="next"'}

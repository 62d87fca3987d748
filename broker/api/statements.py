"""Monthly statements: per payer, per client; JSON, or CSV with `Accept: text/csv`."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from broker.api.auth import BrokerDep, require
from broker.api.keys import Principal
from broker.api.problems import Problem
from broker.api.schemas import MONTH_PATTERN
from broker.application import party
from broker.output import statement_json, statements_csv
from projections.statements import statements_for

router = APIRouter(prefix="/v1/statements", tags=["statements"])
Payer = Annotated[Principal, Depends(require("client", "accounting-office", "operator"))]


@router.get(
    "/{month}",
    responses={
        200: {
            "content": {"application/json": {}, "text/csv": {}},
            "description": "The statements of the month.",
        }
    },
)
def statement(
    request: Request,
    broker: BrokerDep,
    principal: Payer,
    month: Annotated[str, Path(pattern=MONTH_PATTERN, description="e.g. 2026-11")],
    payer: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The caller's statement for `month` (the operator: every payer's, or `?payer=`)."""
    wanted = party(payer, "payer") if payer else None
    if principal.role != "operator":
        if wanted is not None and wanted != principal.tenant:
            raise Problem(403, f"{principal.tenant} may not read the statement of {wanted}")
        wanted = principal.tenant
    summaries = statements_for(broker.store, month, wanted)
    if "text/csv" in request.headers.get("accept", ""):
        return Response(statements_csv(summaries), media_type="text/csv")
    return Response(
        json.dumps([statement_json(s) for s in summaries]), media_type="application/json"
    )

"""The ceiling for one Python process here: a bare FastAPI app that verifies the same token.

``GET /whoami`` decodes an HS512 JWT with PyJWT (as dns-api's legacy tokens are) and answers
a small JSON object; nothing else. The benchmark divides dns-api's requests/s by this app's,
measured in the same run, so the ratio says how much of the framework's budget dns-api spends.
Run: ``python bench/reference.py PORT SECRET`` (uvicorn, one worker, no access log).
"""

from __future__ import annotations

import sys

import jwt
import uvicorn
from fastapi import FastAPI, Header, HTTPException


def create_reference(secret: str) -> FastAPI:
    app = FastAPI()

    @app.get("/whoami")
    async def whoami(authorization: str = Header(default="")) -> dict[str, object]:
        token = authorization.removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, secret, algorithms=["HS512"])
        except jwt.InvalidTokenError:
            raise HTTPException(401, "invalid token") from None
        return {"data": {"user": claims.get("username")}, "meta": {"status": 200}}

    return app


if __name__ == "__main__":
    port, secret = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(
        create_reference(secret), host="127.0.0.1", port=port, access_log=False, log_level="warning"
    )

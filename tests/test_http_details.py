"""HTTP as a browser, a storefront client or a cache sees it: GraphiQL reloads, CORS preflights for GraphQL
clients, JSON bodies for 404/405, and validators that tell representations apart."""

from __future__ import annotations

import httpx
import pytest

HTML = {"accept": "text/html,application/xhtml+xml", "accept-encoding": "gzip"}
PUBLIC_QUERY = "{ products(first: 40) { nodes { id title description } } }"


async def test_graphiql_loads_again_after_the_first_load(client: httpx.AsyncClient) -> None:
    pages = [await client.get("/graphql", headers=HTML) for _ in range(3)]

    for page in pages:
        assert page.status_code == 200
        assert page.headers["content-encoding"] == "gzip"
        assert "graphiql-config" in page.text
    assert pages[0].text == pages[2].text


@pytest.mark.parametrize(
    "headers",
    [
        "apollographql-client-name,apollographql-client-version,content-type",
        "x-apollo-operation-name,apollo-require-preflight",
        "authorization,content-type,x-request-id",
    ],
)
async def test_preflight_allows_the_headers_graphql_clients_send(client: httpx.AsyncClient, headers: str) -> None:
    preflight = await client.options(
        "/graphql",
        headers={
            "origin": "http://localhost:3000",
            "access-control-request-method": "POST",
            "access-control-request-headers": headers,
        },
    )

    assert preflight.status_code == 200, preflight.text
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert set(headers.split(",")) <= allowed


async def test_unknown_paths_and_methods_answer_json_errors(client: httpx.AsyncClient) -> None:
    missing = await client.get("/no-such-page")
    wrong_method = await client.put("/healthz")
    missing_asset = await client.get("/graphiql-assets/no-such-file.js")

    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/json")
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert missing.json()["errors"][0]["message"]
    assert wrong_method.status_code == 405
    assert wrong_method.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in wrong_method.headers["allow"]
    assert missing_asset.status_code == 404
    assert missing_asset.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_subscription_over_http_is_refused_with_where_to_send_it(client: httpx.AsyncClient) -> None:
    document = 'subscription { orderStatusChanged(orderId: "T3JkZXI6MQ==") { status } }'
    response = await client.post("/graphql", json={"query": document})

    assert response.status_code == 200  # application/json keeps GraphQL errors at 200
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "WebSocket" in error["message"]
    assert "data" not in response.json()


async def test_graphql_responses_vary_on_accept(client: httpx.AsyncClient) -> None:
    ide = await client.get("/graphql", headers=HTML)
    json_get = await client.get("/graphql", params={"query": "{ __typename }"})
    json_post = await client.post("/graphql", json={"query": "{ __typename }"})
    refused = await client.get("/graphql", params={"query": "{ nope }"})

    for response in (ide, json_get, json_post, refused):
        vary = {v.strip().lower() for v in response.headers.get("vary", "").split(",")}
        assert "accept" in vary, (response.request.method, response.headers)


async def test_each_representation_of_a_cached_response_has_its_own_etag(client: httpx.AsyncClient) -> None:
    async def get(accept: str, encoding: str) -> httpx.Response:
        headers = {"accept": accept, "accept-encoding": encoding}
        response = await client.get("/graphql", params={"query": PUBLIC_QUERY}, headers=headers)
        assert response.status_code == 200
        assert response.headers["etag"]
        return response

    plain = await get("application/json", "identity")
    zipped = await get("application/json", "gzip")
    graphql_plain = await get("application/graphql-response+json", "identity")
    graphql_zipped = await get("application/graphql-response+json", "gzip")

    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    tags = [r.headers["etag"] for r in (plain, zipped, graphql_plain, graphql_zipped)]
    assert len(set(tags)) == 4, tags
    for response in (plain, zipped, graphql_plain, graphql_zipped):
        assert "accept-encoding" in response.headers.get("vary", "").lower() or response is plain


async def test_a_validator_revalidates_its_own_representation(client: httpx.AsyncClient) -> None:
    params = {"query": PUBLIC_QUERY}
    first = await client.get("/graphql", params=params, headers={"accept-encoding": "gzip"})
    again = await client.get(
        "/graphql", params=params, headers={"accept-encoding": "gzip", "if-none-match": first.headers["etag"]}
    )
    other_type = await client.get(
        "/graphql",
        params=params,
        headers={"accept": "application/graphql-response+json", "if-none-match": first.headers["etag"]},
    )

    assert again.status_code == 304
    assert other_type.status_code == 200
    assert other_type.json()["data"]["products"]["nodes"]

// Runs operations through Apollo Client with its persisted-queries link (hashed queries sent
// with GET) against a served Guildhall, and reports each result and every HTTP exchange as one
// JSON object on stdout. Run by tests/platform/test_served.py.
//
// env: GRAPHQL_URL, PLAN: JSON list of {document, variables?, token?, mutation?}
"use strict";
const { createHash } = require("node:crypto");
const { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } = require("@apollo/client");
const { PersistedQueryLink } = require("@apollo/client/link/persisted-queries");

const exchanges = [];

async function recordingFetch(input, init = {}) {
  const response = await fetch(input, init);
  const text = await response.clone().text();
  const url = new URL(typeof input === "string" ? input : input.url);
  let body = null;
  if (init.body) body = JSON.parse(init.body);
  exchanges.push({
    method: init.method || "GET",
    extensions: url.searchParams.get("extensions"),
    sentQuery: body ? body.query || null : url.searchParams.get("query"),
    hashOnly: body ? !body.query : !url.searchParams.get("query"),
    status: response.status,
    contentType: response.headers.get("content-type"),
    cacheControl: response.headers.get("cache-control"),
    body: text,
  });
  return response;
}

(async () => {
  const plan = JSON.parse(process.env.PLAN);
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const results = [];
  for (const step of plan) {
    // A fresh client per step: no cache between steps, every step goes over the network.
    const auth = new ApolloLink((operation, forward) => {
      if (step.token) operation.setContext({ headers: { Authorization: `Bearer ${step.token}` } });
      return forward(operation);
    });
    const client = new ApolloClient({
      cache: new InMemoryCache(),
      link: ApolloLink.from([
        auth,
        new PersistedQueryLink({ sha256, useGETForHashedQueries: true }),
        new HttpLink({ uri: process.env.GRAPHQL_URL, fetch: recordingFetch }),
      ]),
    });
    const first = exchanges.length;
    try {
      const document = gql(step.document);
      const outcome = step.mutation
        ? await client.mutate({ mutation: document, variables: step.variables || {} })
        : await client.query({ query: document, variables: step.variables || {}, fetchPolicy: "network-only" });
      results.push({ data: outcome.data, error: outcome.error ? String(outcome.error) : null,
                     exchanges: exchanges.slice(first) });
    } catch (error) {
      results.push({ data: null, error: String(error), exchanges: exchanges.slice(first) });
    }
    client.stop();
  }
  process.stdout.write(JSON.stringify(results) + "\n");
})().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});

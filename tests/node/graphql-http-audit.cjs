// graphql-http's audit of a GraphQL over HTTP server (the reference implementation's own checks
// of the specification), run against a served Guildhall; prints the results as JSON.
// env: GRAPHQL_URL
"use strict";
const { auditServer } = require("graphql-http");

(async () => {
  const results = await auditServer({ url: process.env.GRAPHQL_URL, fetchFn: fetch });
  const report = results.map((result) => ({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.status === "ok" ? null : result.reason,
  }));
  process.stdout.write(JSON.stringify(report) + "\n");
})().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});

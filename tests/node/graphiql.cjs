// Opens Guildhall's GraphiQL in Debian's chromium (playwright-core), with every host but the
// served instance blocked, signs in through the headers editor, runs a query and reports what
// happened as one JSON object on stdout. Run by tests/platform/test_served.py.
//
// env: GRAPHIQL_URL (http://127.0.0.1:PORT/graphql), TOKEN, QUERY, SCREENSHOT (png path),
//      USER_DATA_DIR (fresh folder), CHROMIUM (default /usr/bin/chromium)
"use strict";
const { chromium } = require("playwright-core");

const url = new URL(process.env.GRAPHIQL_URL);
const origin = url.origin;

async function setEditor(page, selector, text) {
  // Typed as a person would, but inserted at once: CodeMirror would auto-close brackets typed one by one.
  await page.click(`${selector} .CodeMirror`);
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

async function editorValue(page, selector) {
  return page.$eval(`${selector} .CodeMirror`, (el) => el.CodeMirror.getValue());
}

(async () => {
  const report = { requests: [], blocked: [], cspViolations: [], consoleErrors: [], pageErrors: [] };
  const context = await chromium.launchPersistentContext(process.env.USER_DATA_DIR, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
      // Nothing but loopback resolves, whatever a page asks for.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
  try {
    await context.route("**/*", (route) => {
      const requested = route.request().url();
      if (requested.startsWith(origin + "/") || requested.startsWith("data:")) {
        report.requests.push(requested);
        return route.continue();
      }
      report.blocked.push(requested);
      return route.abort("blockedbyclient");
    });
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (message) => {
      if (message.type() === "error") report.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => report.pageErrors.push(String(error)));

    const response = await page.goto(url.href, { waitUntil: "load" });
    report.status = response.status();
    report.csp = response.headers()["content-security-policy"] || null;
    await page.waitForSelector(".graphiql-query-editor .CodeMirror", { timeout: 30000 });

    // The explorer plugin, from our own origin too.
    await page.click('button[aria-label="Show GraphiQL Explorer"]');
    await page.waitForSelector(".graphiql-explorer-root", { timeout: 10000 });
    report.explorer = true;

    await setEditor(page, ".graphiql-query-editor", process.env.QUERY);
    await page.click('button:has-text("Headers")');
    await page.waitForSelector(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror", { timeout: 10000 });
    await setEditor(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden)",
      JSON.stringify({ Authorization: `Bearer ${process.env.TOKEN}` }));
    report.headers = await editorValue(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden)");
    report.query = await editorValue(page, ".graphiql-query-editor");

    await page.click(".graphiql-execute-button");
    await page.waitForFunction(() => {
      const editor = document.querySelector(".graphiql-response .CodeMirror");
      return editor && editor.CodeMirror.getValue().includes("\"data\"");
    }, null, { timeout: 30000 });
    report.result = JSON.parse(await editorValue(page, ".graphiql-response"));
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
    report.cspViolations = await page.evaluate(() => window.__cspViolations);
  } finally {
    await context.close();
  }
  process.stdout.write(JSON.stringify(report) + "\n");
})().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});

// The working-group page in headless Chromium: opens the overview of a running
// `wijkscan serve`, clicks a wijk on the map, checks its O/E against the API, builds a segment
// and sees the answer, tries a differencing pair and sees the refusal, types a filter that does
// not parse and sees where, and opens the session log. Fails on any request that leaves
// 127.0.0.1, any console or page error. Writes a screenshot of the area page.
//
//   node serve.mjs BASE_URL WIJK FIRST_FILTER SECOND_FILTER SCREENSHOT.png
import { chromium } from "playwright-core";

const [base, wijk, first, second, shot] = process.argv.slice(2);
if (!shot) {
  console.error("usage: node serve.mjs BASE_URL WIJK FIRST_FILTER SECOND_FILTER SCREENSHOT.png");
  process.exit(2);
}
const problems = [];
const seen = { requests: 0 };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const result = {};
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
  const page = await context.newPage();
  // Every request the page makes: only the server on 127.0.0.1 may be asked.
  await page.route("**/*", (route) => {
    const u = new URL(route.request().url());
    seen.requests += 1;
    if (u.hostname === "127.0.0.1") return route.continue();
    problems.push(`request left 127.0.0.1: ${u.href}`);
    return route.abort();
  });
  // The filter that does not parse is answered with HTTP 400, which Chromium logs; only then.
  let expect400 = false;
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (expect400 && /status of 400/.test(m.text())) { expect400 = false; return; }
    problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

  // 1. The overview and its map; click a point inside the wijk (the topmost element there).
  const r = await page.goto(`${base}/?level=wijk`, { waitUntil: "load" });
  if (!r.ok()) problems.push(`overview: ${r.status()}`);
  const at = await page.evaluate((code) => {
    const polys = [...document.querySelectorAll(`#map polygon[data-code="${code}"]`)];
    for (const p of polys) {
      const b = p.getBoundingClientRect();
      for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
        const x = b.left + (b.width * i) / 12, y = b.top + (b.height * j) / 12;
        const hit = document.elementFromPoint(x, y);
        if (hit && hit.closest && hit.closest(`polygon[data-code="${code}"]`)) return { x, y };
      }
    }
    return null;
  }, wijk);
  if (!at) throw new Error(`no clickable point of ${wijk} on the map`);
  await Promise.all([page.waitForURL(`**/area/${wijk}**`), page.mouse.click(at.x, at.y)]);

  // 2. The area page shows the O/E the API gives.
  const api = await (await page.request.get(`${base}/api/areas/${wijk}`)).json();
  const oe = api.area.oe_ratio.toFixed(2).replace(".", ",");
  const shown = await page.locator("#key-figures tr", { hasText: "O/E" }).first().locator("td").first().innerText();
  result.oe = { api: oe, shown };
  if (shown.trim() !== oe) problems.push(`O/E on the page ${shown} is not the API's ${oe}`);

  // 3. The builder offers feature names as you type, then answers.
  await page.locator("#filter").click();
  await page.keyboard.type("ag");
  await page.locator("#suggestions li", { hasText: "age" }).first().waitFor({ timeout: 5000 });
  await page.locator("#filter").fill(first);
  await page.locator("#try").click();
  await page.locator("#answer.ok").waitFor({ timeout: 20000 });
  result.answer = await page.locator("#answer").innerText();
  if (!/personen/.test(result.answer)) problems.push(`no answer in words: ${result.answer}`);

  // 4. The differencing pair is refused in words.
  await page.locator("#filter").fill(second);
  await page.locator("#try").click();
  await page.locator("#answer.refused").waitFor({ timeout: 20000 });
  result.refusal = await page.locator("#answer").innerText();
  if (!/Geweigerd/.test(result.refusal)) problems.push(`no refusal in words: ${result.refusal}`);

  // 5. A filter that does not parse says where.
  await page.locator("#filter").fill("age >= AND wmo");
  expect400 = true;
  await page.locator("#try").click();
  await page.locator("#answer.error pre").waitFor({ timeout: 20000 });
  result.error = await page.locator("#answer").innerText();
  if (!/kolom 8/.test(result.error)) problems.push(`no position: ${result.error}`);
  await page.screenshot({ path: shot, fullPage: true });

  // 6. The session log holds the three queries.
  await page.goto(`${base}/session`, { waitUntil: "load" });
  result.log_rows = await page.locator("#log tr").count();
  if (result.log_rows !== 3) problems.push(`session log has ${result.log_rows} rows, not 3`);
} catch (e) {
  problems.push(`step failed: ${e.message}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ...result, requests: seen.requests, problems }));
process.exit(problems.length ? 1 : 0);

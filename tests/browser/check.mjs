// Opens a report from disk in headless Chromium with the network cut off, and fails on any
// request other than the file itself (and its data: URIs), any console error or page error,
// and any image that did not load. Writes a full-page screenshot.
//
//   node check.mjs REPORT.html SCREENSHOT.png
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [report, shot] = process.argv.slice(2);
if (!report || !shot) {
  console.error("usage: node check.mjs REPORT.html SCREENSHOT.png");
  process.exit(2);
}
const url = pathToFileURL(path.resolve(report)).href;
const problems = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const context = await browser.newContext({ offline: true, viewport: { width: 1000, height: 1400 } });
  const page = await context.newPage();
  // Every request is seen here; only the report itself and inline data may load.
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (u === url || u.startsWith("data:")) return route.continue();
    problems.push(`request: ${u}`);
    return route.abort();
  });
  page.on("requestfailed", (r) => problems.push(`failed request: ${r.url()} (${r.failure()?.errorText})`));
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

  const response = await page.goto(url, { waitUntil: "load" });
  if (!response || !response.ok()) problems.push(`report did not load: ${response?.status()}`);
  const images = await page.$$eval("img", (imgs) =>
    imgs.map((i) => ({ alt: i.alt, ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth, h: i.naturalHeight })));
  for (const i of images) if (!i.ok) problems.push(`image did not load: ${i.alt}`);
  if (images.length === 0) problems.push("no images in the report");
  const text = await page.evaluate(() => document.body.innerText);
  if (text.length < 500) problems.push(`almost no text (${text.length} characters)`);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify({ images: images.length, characters: text.length, problems }));
} finally {
  await browser.close();
}
process.exit(problems.length ? 1 : 0);

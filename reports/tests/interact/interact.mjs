// Drives headless Chromium over one run page with Playwright (playwright-core,
// the system's /usr/bin/chromium): clicks a proof link and checks the
// operation's row is scrolled into view and highlighted; clicks a card's
// transaction link and checks its span on the timeline is highlighted (and
// that a proof link to a completion lights its box); clicks an offset
// tick and checks its row opens, visible and highlighted; checks each open
// offset table starts at its first cited offset; zooms the timeline
// to a card; and fails on any console error or uncaught exception.
// Usage: node interact.mjs CHROMIUM PAGE.html SCREENSHOT_PREFIX
// Prints one JSON line of what it did; exits 1 with the reason on a failure.
import { chromium } from "playwright-core";

const [browserPath, page, shotPrefix] = process.argv.slice(2);
const errors = [];
const done = [];
const fail = (why) => { throw new Error(why); };

const browser = await chromium.launch({
  executablePath: browserPath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  tab.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  tab.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  await tab.goto("file://" + page);

  const inView = (sel) => tab.$eval(sel, (el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.bottom > 0 && r.top < window.innerHeight;
  });

  // 0. Each open offset table starts at its first cited offset.
  const hidden = await tab.$$eval("details.part[open] .gridtab", (tabs) => tabs
    .map((t) => [t, t.querySelector("tr.anom")])
    .filter(([, row]) => row)
    .filter(([t, row]) => {
      const a = t.getBoundingClientRect(), b = row.getBoundingClientRect();
      return b.top < a.top || b.bottom > a.bottom;
    }).length);
  if (hidden) fail(`${hidden} offset tables do not open at their first cited offset`);
  done.push({ tables_open_at_first_cited: true });

  // 1. A proof link on a card scrolls to its operation and highlights it.
  const proof = await tab.$("#anomalies a.proof");
  if (proof) {
    const href = await proof.getAttribute("href");
    await proof.click();
    await tab.waitForFunction((h) => location.hash === h, href);
    const row = `tr[id="${href.slice(1)}"], tr:has(span[id="${href.slice(1)}"])`;
    if (!(await inView(row))) fail(`row of ${href} not scrolled into view`);
    const lit = await tab.$eval(row, (el) => el.classList.contains("sel")
      && getComputedStyle(el.querySelector("td")).backgroundColor !== "rgba(0, 0, 0, 0)");
    if (!lit) fail(`row of ${href} not highlighted`);
    const boxes = await tab.$$eval(`svg a[href="${href}"] > .sel`, (l) => l.length);
    done.push({ clicked: href, timeline_boxes_highlighted: boxes });
    await tab.screenshot({ path: `${shotPrefix}-proof.png` });
  }

  // 1b. A card's transaction link lights that transaction's span on the
  // timeline; a proof link naming a transaction's completion (its row's
  // second id) lights the span too.
  const txn = await tab.$("#anomalies .txns a.txn");
  if (txn) {
    const href = await txn.getAttribute("href");
    await txn.click();
    await tab.waitForFunction((h) => location.hash === h, href);
    // Lit means drawn lit: the highlight's outline wins over the outcome's.
    const spans = await tab.$$eval(`svg a[href="${href}"] > rect.txn.sel`, (l) => l
      .filter((r) => getComputedStyle(r).stroke === "rgb(31, 95, 191)").length);
    if (spans < 1) fail(`transaction ${href}: its span is not highlighted`);
    const completion = await tab.$$eval("#anomalies a.proof:not(.txn)", (links) => links
      .map((a) => a.getAttribute("href"))
      .find((h) => document.querySelector(`table.ops span.alt[id="${h.slice(1)}"]`)));
    let viaCompletion = 0;
    if (completion) {
      await tab.click(`#anomalies a.proof[href="${completion}"]`);
      await tab.waitForFunction((h) => location.hash === h, completion);
      viaCompletion = await tab.$$eval("svg.timeline .sel", (l) => l.length);
      if (viaCompletion < 1) fail(`proof link ${completion} (a completion) lit no timeline box`);
    }
    done.push({ transaction: href, spans_highlighted: spans, completion, via_completion: viaCompletion });
    await tab.screenshot({ path: `${shotPrefix}-transaction.png` });
  }

  // 2. An offset tick opens its row in the offset grid.
  const tick = await tab.$(".strip a");
  if (tick) {
    const href = await tick.getAttribute("href");
    // Close every partition first: the click must open it.
    await tab.$$eval("details.part", (ds) => ds.forEach((d) => { d.open = false; }));
    await tab.evaluate(() => history.replaceState(null, "", " "));
    await tab.$eval(".strip a", (a) => a.scrollIntoView());
    // SVG links are clicked through the page, as a user would.
    await tick.dispatchEvent("click");
    await tab.waitForFunction((h) => location.hash === h, href);
    const id = href.slice(1);
    const sel = `[id="${id}"]`;
    await tab.waitForFunction((s) => document.querySelector(s)?.classList.contains("sel"), sel);
    const open = await tab.$eval(sel, (el) => el.closest("details")?.open === true);
    if (!open) fail(`tick ${href}: its partition did not open`);
    if (!(await inView(sel))) fail(`tick ${href}: its row is not in view`);
    done.push({ tick: href, row_open: true });
    await tab.screenshot({ path: `${shotPrefix}-offset.png` });
  }

  // 3. "Zoom to this proof" stretches the timeline to the card's span.
  const zoom = await tab.$("a.zoom");
  if (zoom) {
    await zoom.click();
    const t = await tab.$eval("svg.timeline g.zoom", (g) => g.getAttribute("transform") || "");
    if (!t.includes("scale(")) fail("zoom did not transform the timeline");
    if (await tab.$eval("#zoomed", (p) => p.hidden)) fail("zoom did not say what is shown");
    done.push({ zoomed: t });
    await tab.screenshot({ path: `${shotPrefix}-zoom.png` });
    await tab.click("#unzoom");
  }
  if (errors.length) fail(`script errors: ${errors.join("; ")}`);
  console.log(JSON.stringify({ page, done }));
} catch (e) {
  console.error(`${page}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}

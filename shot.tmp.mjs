import { chromium } from "playwright-core"
import { mkdtempSync } from "node:fs"
const ctx = await chromium.launchPersistentContext(mkdtempSync("/tmp/pw-"), { executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1100, height: 900 }, args: ["--no-sandbox","--disable-background-networking","--disable-component-update","--disable-sync"] })
const page = await ctx.newPage()
page.on("console", (m) => console.log("console", m.type(), m.text()))
page.on("pageerror", (e) => console.log("pageerror", e.message))
page.on("requestfailed", (r) => console.log("requestfailed", r.url()))
page.on("response", (r) => { if (r.status() >= 400) console.log("http", r.status(), r.url()) })
await page.goto(process.argv[2])
await page.waitForTimeout(1500)
if (process.argv[4] === "invalid") { await page.fill("input[name=quantity]", "x"); await page.click("button[type=submit]"); await page.waitForTimeout(500) }
if (process.argv[4] === "report") { await page.click("#run-report"); await page.waitForTimeout(600) }
await page.screenshot({ path: process.argv[3], fullPage: true })
await ctx.close()

/**
 * The example page in a real browser (Chromium, headless): what one page adds
 * another sees live, and the connection banner follows the server going away and
 * coming back. Screenshots: `examples/inventory/.screenshots/`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { browser, freePort, page, screenshot, serve } from "./browser.ts"

describe("the example page in Chromium", () => {
  it.live("the example page adds an item and a second page sees it live (and a removal too)", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(Effect.flatMap(freePort, serve), (s) => s.stop)
      const context = yield* browser
      const first = yield* page(context)
      const second = yield* page(context)
      yield* Effect.promise(async () => {
        for (const { page } of [first, second]) {
          await page.goto(server.url)
          await page.waitForSelector(`#banner[data-state="connected"]`)
        }
        await first.page.fill(`input[name="name"]`, "hex bolt")
        await first.page.fill(`input[name="quantity"]`, "40")
        await first.page.fill(`input[name="tags"]`, "m6, steel")
        await first.page.click(`button[type="submit"]`)
        await first.page.waitForSelector(`#feedback[data-state="sent"]`)
        await second.page.waitForSelector(`#items tr:has-text("hex bolt")`, { timeout: 5_000 })
      })
      const row = yield* Effect.promise(() => second.page.textContent(`#items tr:has-text("hex bolt")`))
      assert.include(row, "40")
      assert.include(row, "m6")
      yield* screenshot(second.page, "page")
      // An invalid submit shows its message under the field, and adds nothing.
      yield* Effect.promise(async () => {
        await first.page.fill(`input[name="quantity"]`, "lots")
        await first.page.click(`button[type="submit"]`)
        await first.page.waitForSelector(`#feedback[data-state="failed"]`)
      })
      assert.include(yield* Effect.promise(() => first.page.textContent("#error-quantity")), "quantity")
      assert.include(yield* Effect.promise(() => first.page.textContent("#error-name")), "name")
      yield* screenshot(first.page, "page-invalid")
      // Removed on one page, gone from the other.
      yield* Effect.promise(async () => {
        await second.page.click(`#items tr:has-text("hex bolt") button.remove`)
        await first.page.waitForSelector(`#items tr:has-text("hex bolt")`, { state: "detached", timeout: 5_000 })
        // The page that removed it says so once its DELETE is answered (which may come after the push).
        await second.page.waitForSelector(`#feedback[data-state="sent"]:has-text("Removed hex bolt")`, { timeout: 5_000 })
      })
      assert.deepStrictEqual([...first.errors, ...second.errors], [], "no console errors")
    }).pipe(Effect.scoped), 60_000)

  it.live("the banner shows offline when the server stops and recovers when it comes back", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const running = yield* serve(port)
      let restarted: { readonly stop: Effect.Effect<void> } | undefined
      yield* Effect.addFinalizer(() => Effect.andThen(running.stop, restarted?.stop ?? Effect.void))
      const context = yield* browser
      const { page: tab } = yield* page(context)
      yield* Effect.promise(async () => {
        await tab.goto(running.url)
        await tab.waitForSelector(`#banner[data-state="connected"]`)
        await tab.waitForFunction(() => document.getElementById("ticks")?.textContent !== "0")
      })
      yield* running.stop
      yield* Effect.promise(() => tab.waitForSelector(`#banner[data-state="offline"]`, { timeout: 10_000 }))
      const offline = yield* Effect.promise(() => tab.textContent("#banner"))
      assert.match(offline ?? "", /^Offline/)
      assert.isTrue(yield* Effect.promise(() => tab.evaluate(() => document.body.classList.contains("stale"))), "live values are dimmed")
      yield* screenshot(tab, "page-offline")
      // A submit while offline is queued, and sent once the server is back.
      yield* Effect.promise(async () => {
        await tab.fill(`input[name="name"]`, "washer")
        await tab.click(`button[type="submit"]`)
        await tab.waitForSelector(`#feedback[data-state="queued"]`)
      })
      restarted = yield* serve(port)
      yield* Effect.promise(async () => {
        await tab.waitForSelector(`#banner[data-state="connected"]`, { timeout: 30_000 })
        await tab.waitForSelector(`#feedback[data-state="sent"]`, { timeout: 10_000 })
        await tab.waitForSelector(`#items tr:has-text("washer")`, { timeout: 10_000 })
      })
      assert.isFalse(yield* Effect.promise(() => tab.evaluate(() => document.body.classList.contains("stale"))))
      yield* screenshot(tab, "page-recovered")
    }).pipe(Effect.scoped), 90_000)
})

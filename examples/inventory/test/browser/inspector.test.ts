/**
 * The inspector in a real browser (Chromium, headless), on the example app:
 * every service is listed running, a stock report's progress bar moves, and
 * another report's cancel button cancels it.
 * Screenshot: `examples/inventory/.screenshots/inspector.png`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { browser, freePort, page, screenshot, serve } from "./browser.ts"

const progress = (job: string) => `[data-queue="reports"] tr[data-job="${job}"] [role="progressbar"]`

describe("the inspector in Chromium", () => {
  it.live("the inspector shows the example app's services and a queue job's progress moving (and filters the bus tail, and cancels a job)", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(Effect.flatMap(freePort, serve), (s) => s.stop)
      const context = yield* browser
      const { page: tab, errors } = yield* page(context)
      yield* Effect.promise(() => tab.goto(`${server.url}/_specter`))
      for (const service of ["inventory", "reports", "clock", "load", "heartbeat", "items", "reporting"]) {
        yield* Effect.promise(() => tab.waitForSelector(`tr[data-service="${service}"] .badge.running`))
      }
      const { id } = yield* Effect.promise(() =>
        fetch(`${server.url}/api/reports`, { method: "POST" }).then((res) => res.json() as Promise<{ readonly id: string }>)
      )
      // Seen part-way, then further on: the bar moves while the job runs.
      const partway = yield* Effect.promise(() =>
        tab.waitForFunction((selector) => {
          const value = Number(document.querySelector(selector)?.getAttribute("aria-valuenow") ?? "NaN")
          return value > 0 && value < 100 ? value : undefined
        }, progress(id)).then((handle) => handle.jsonValue() as Promise<number>)
      )
      yield* screenshot(tab, "inspector")
      const later = yield* Effect.promise(() =>
        tab.waitForFunction(([selector, before]) => {
          const value = Number(document.querySelector(selector)?.getAttribute("aria-valuenow") ?? "NaN")
          return value > before ? value : undefined
        }, [progress(id), partway] as const).then((handle) => handle.jsonValue() as Promise<number>)
      )
      assert.isAbove(later, partway)
      yield* Effect.promise(() => tab.waitForSelector(`[data-queue="reports"] tr[data-job="${id}"] .badge.completed`))
      yield* screenshot(tab, "inspector-done")
      // The bus tail, filtered to the report's events.
      yield* Effect.promise(() => tab.fill("#bus-filter", "reports:job"))
      const shown = yield* Effect.promise(() => tab.$$eval("#bus-tail li .event", (events) => events.map((e) => e.textContent)))
      assert.isAbove(shown.length, 0)
      assert.deepStrictEqual([...new Set(shown)], ["reports:job"])
      yield* Effect.promise(() => tab.fill("#bus-filter", ""))
      // The cancel button of a running job cancels it.
      const second = yield* Effect.promise(() =>
        fetch(`${server.url}/api/reports`, { method: "POST" }).then((res) => res.json() as Promise<{ readonly id: string }>)
      )
      yield* Effect.promise(async () => {
        await tab.click(`[data-queue="reports"] tr[data-job="${second.id}"] button`)
        await tab.waitForSelector(`[data-queue="reports"] tr[data-job="${second.id}"] .badge.cancelled`)
      })
      assert.deepStrictEqual(errors, [], "no console errors")
    }).pipe(Effect.scoped), 60_000)
})

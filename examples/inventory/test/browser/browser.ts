/**
 * Debian's Chromium driven by `playwright-core`, for the example's browser tests:
 * headless, with a fresh user-data directory per browser (removed with the
 * scope), no background networking, component updates or sync. `.ci/run`
 * installs `/usr/bin/chromium` when it is missing.
 *
 * Also the example app served in this process on a given port (so a test can
 * stop it and start it again on the same port), with the inspector on.
 */
import { App } from "@specter-runtime/server"
import { Effect, Exit, Layer, Scope } from "effect"
import { mkdtempSync, mkdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { AppLive, options } from "../../src/app.ts"

/** Where the tests write a screenshot of each page they look at (gitignored). */
export const screenshots = fileURLToPath(new URL("../../.screenshots/", import.meta.url))

/** A browser with its own profile, closed (and its profile removed) with the scope. */
export const browser: Effect.Effect<BrowserContext, never, Scope.Scope> = Effect.map(
  Effect.acquireRelease(
    Effect.promise(async () => {
      const profile = mkdtempSync(join(tmpdir(), "specter-chromium-"))
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: "/usr/bin/chromium",
        headless: true,
        viewport: { width: 1200, height: 900 },
        args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
      })
      return { context, profile }
    }),
    ({ context, profile }) =>
      Effect.promise(async () => {
        await context.close()
        rmSync(profile, { recursive: true, force: true })
      })
  ),
  ({ context }) => context
)

/** A new page of `context`; every console error and uncaught exception of it is collected in `errors`. */
export const page = (context: BrowserContext) =>
  Effect.promise(async () => {
    const page = await context.newPage()
    const errors: Array<string> = []
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text())
    })
    page.on("pageerror", (error) => errors.push(error.message))
    return { page, errors }
  })

/** Writes a full-page screenshot of `page` as `<name>.png` in `screenshots`. */
export const screenshot = (page: Page, name: string) =>
  Effect.promise(() => {
    mkdirSync(screenshots, { recursive: true })
    return page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true })
  })

/** A free TCP port on 127.0.0.1. */
export const freePort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0)))
  })
})

/**
 * The example app as `main.ts` serves it, with the inspector's snapshots every 200 ms, on `port`, in a
 * scope of its own: closing it stops the server (`stop`), as SIGTERM would.
 */
export const serve = (port: number) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    yield* Layer.buildWithScope(
      App.layer(AppLive, { ...options, http: { port, host: "127.0.0.1" }, inspector: { interval: "200 millis" } }),
      scope
    )
    return { url: `http://127.0.0.1:${port}`, stop: Scope.close(scope, Exit.void) }
  })

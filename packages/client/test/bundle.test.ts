/**
 * The browser build (`npm run bundle`): one module made of the client's own
 * sources, so a declared socket API, the protocol package and `effect`, which
 * the client imports as types only, add no byte to it.
 */
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { bundle, file } from "../scripts/bundle.ts"

const src = fileURLToPath(new URL("../src/", import.meta.url))

describe("bundle", () => {
  it("the bundle is made of the client's own sources only: no byte of a socket API, the protocol or effect", async () => {
    const built = await bundle(false)
    expect(built.modules.length).toBeGreaterThanOrEqual(10)
    expect(built.modules.filter((id) => !id.startsWith(src))).toEqual([])
    expect(built.modules).toContain(`${src}internal/connection.ts`)
    expect(built.code).not.toMatch(/\bimport\b/)
    expect(built.code).toMatch(/export\s*\{[^}]*\bconnect\b/)
  }, 30_000)

  it("the same sources give the same bytes, so the content hash names one build", async () => {
    const [first, second] = [await bundle(false), await bundle(false)]
    expect(second.code).toBe(first.code)
    expect(second.map).toBe(first.map)
  }, 30_000)

  it("the bundle the server serves is the build of the current sources (else: npm run bundle -w @specter-runtime/client)", async () => {
    const built = await bundle(false)
    expect({ file, exists: existsSync(file) }).toEqual({ file, exists: true })
    expect(readFileSync(file, "utf8") === built.code, "dist/specter-client.js is stale: run npm run bundle -w @specter-runtime/client").toBe(true)
  }, 30_000)
})

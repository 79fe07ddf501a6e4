/**
 * Specter as a new user gets it: every package built and packed by `scripts/pack.ts`,
 * installed from the tarballs into a new project in a temporary directory outside the
 * repository (with `effect` and `@effect/platform-node` at the pinned versions, from
 * npm's cache when it has them), and run with plain Node, no type stripping. Then the
 * starter, from its own tarball, scaffolds an app whose own `npm test` (tsc, then
 * vitest on a real server) passes against the installed tarballs.
 *
 * Slow by nature (a build, `npm pack`, two `npm install`s): about a minute or two.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { pack, type Packed } from "../../../scripts/pack.ts"
import {
  lockedVersion,
  node,
  outside,
  quietInstall,
  readFromTarball,
  run,
  start,
  tarballFiles,
  tempDirectory,
  userEnv
} from "./installHelpers.ts"

const MINUTES_5 = 300_000

/** The packed tarballs, by package name, in a temporary directory removed after the file. */
class Packs extends Context.Service<Packs, ReadonlyMap<string, Packed>>()("test/Packs") {
  static readonly layer = Layer.effect(
    this,
    Effect.gen(function*() {
      const directory = yield* tempDirectory("specter-packs-")
      const packed = yield* Effect.promise(() => pack(directory, userEnv()))
      return new Map(packed.map((p) => [p.name, p]))
    })
  )
}

const tarball = (packs: ReadonlyMap<string, Packed>, name: string): string => {
  const packed = packs.get(name)
  if (packed === undefined) throw new Error(`${name} was not packed`)
  return packed.file
}

/** The tarballs an app that uses the server needs (the server's own dependencies are not on the registry). */
const serverTarballs = (packs: ReadonlyMap<string, Packed>) =>
  ["core", "protocol", "client", "server"].map((name) => tarball(packs, `@specter-runtime/${name}`))

const expectOk = (what: string, ran: { readonly code: number | null; readonly output: string }) =>
  assert.strictEqual(ran.code, 0, `${what} failed:\n${ran.output}`)

/** A small app in plain JavaScript: one service, one controller. */
const smallApp = `import { App, Controller, Route, Service } from "@specter-runtime/server"
import { Context, Effect, Layer, Ref } from "effect"

class Counter extends Context.Service()("install/Counter") {
  static layer = Service.layer(this, Effect.map(Ref.make(0), (count) => ({ next: Ref.updateAndGet(count, (n) => n + 1) })))
}

const Hello = Controller.make("hello", Effect.gen(function*() {
  const counter = yield* Counter
  return { routes: [Route.get("/api/hello", () => Effect.map(counter.next, (count) => ({ hello: "world", count })))] }
}))

App.run(Hello.pipe(Layer.provide(Counter.layer)))
`

/** Type expectations that fail to compile when the packages' declarations cannot be read (everything \`any\`). */
const typeProbe = `import { App } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"

// @ts-expect-error App.run takes a Layer
App.run("not a layer")
// @ts-expect-error TestServer.request takes a path
TestServer.request(42)
`

describe("Install", () => {
  layer(Packs.layer, { timeout: "5 minutes", excludeTestServices: true })((it) => {
    it.effect("every publishable package packs JavaScript, declarations and sources, with engines and the lockfile's Effect versions pinned", () =>
      Effect.gen(function*() {
        const packs = yield* Packs
        assert.sameMembers([...packs.keys()], [
          "@specter-runtime/core",
          "@specter-runtime/protocol",
          "@specter-runtime/client",
          "@specter-runtime/server",
          "@specter-runtime/testing",
          "@specter-runtime/cluster",
          "create-specter-runtime"
        ])
        for (const { name, file } of packs.values()) {
          const files = yield* tarballFiles(file)
          const manifest = JSON.parse(yield* readFromTarball(file, "package.json"))
          assert.isUndefined(manifest.private, name)
          assert.strictEqual(manifest.engines.node, ">=22.19", name)
          for (const [subpath, target] of Object.entries<any>(manifest.exports)) {
            if (typeof target === "string") continue
            assert.includeMembers([...files], [target.types.slice(2), target.default.slice(2)], `${name} ${subpath}`)
            assert.match(target.default, /^\.\/dist\/.*\.js$/, `${name} ${subpath}`)
          }
          for (const dependency of ["effect", "@effect/platform-node"]) {
            const pinned = manifest.peerDependencies?.[dependency]
            if (pinned !== undefined) assert.strictEqual(pinned, lockedVersion(dependency), `${name} pins ${dependency}`)
          }
        }
        const server = JSON.parse(yield* readFromTarball(tarball(packs, "@specter-runtime/server"), "package.json"))
        assert.deepStrictEqual(server.peerDependencies, { "@effect/platform-node": lockedVersion("@effect/platform-node"), effect: lockedVersion("effect") })
      }), MINUTES_5)

    it.effect("a project outside the repository installs the tarballs with effect, runs an app with plain Node, gets 200 from /health and stops on SIGTERM", () =>
      Effect.gen(function*() {
        const packs = yield* Packs
        const project = yield* tempDirectory("specter-install-")
        assert.isTrue(outside(project), `${project} is inside the repository`)
        writeFileSync(join(project, "package.json"), JSON.stringify({ name: "install-check", private: true, type: "module" }))
        writeFileSync(join(project, "app.js"), smallApp)
        const pins = ["effect", "@effect/platform-node"].map((name) => `${name}@${lockedVersion(name)}`)
        expectOk("npm install", yield* run("npm", ["install", ...quietInstall, "--save-exact", ...serverTarballs(packs), ...pins], { cwd: project }))

        const app = yield* start(project, ["--no-experimental-strip-types", "app.js"])
        const get = (path: string) =>
          Effect.promise(() => fetch(`http://127.0.0.1:${app.port}${path}`).then(async (r) => ({ status: r.status, body: await r.json() })))
        const health = yield* get("/health")
        assert.strictEqual(health.status, 200, app.log())
        assert.strictEqual(health.body.services["install/Counter"].status, "running")
        assert.deepStrictEqual((yield* get("/api/hello")).body, { hello: "world", count: 1 })

        yield* app.signal("SIGTERM")
        const exit = yield* app.exited.pipe(Effect.timeout("20 seconds"))
        assert.deepStrictEqual(exit, { code: 0, signal: null }, app.log())
        assert.include(app.log(), "service 'install/Counter' stopped")
      }).pipe(Effect.scoped), MINUTES_5)

    it.effect("the starter from its tarball scaffolds an app on the packed versions, and the app's own test passes", () =>
      Effect.gen(function*() {
        const packs = yield* Packs
        const work = yield* tempDirectory("specter-starter-")
        assert.isTrue(outside(work), `${work} is inside the repository`)
        expectOk("tar", yield* run("tar", ["-xzf", tarball(packs, "create-specter-runtime"), "-C", work], { cwd: work }))
        const created = yield* run(node, ["--no-experimental-strip-types", join(work, "package/dist/bin.js"), "my-app"], { cwd: work })
        expectOk("create-specter-runtime", created)
        assert.include(created.output, "npm install")

        const app = join(work, "my-app")
        const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8"))
        assert.strictEqual(manifest.name, "my-app")
        assert.strictEqual(manifest.dependencies["@specter-runtime/server"], packs.get("@specter-runtime/server")?.version)
        assert.strictEqual(manifest.devDependencies["@specter-runtime/testing"], packs.get("@specter-runtime/testing")?.version)
        assert.strictEqual(manifest.dependencies.effect, lockedVersion("effect"))

        // The packed versions are not on the registry: install the tarballs in their place, leaving package.json as generated.
        const tarballs = [...serverTarballs(packs), tarball(packs, "@specter-runtime/testing")]
        expectOk("npm install", yield* run("npm", ["install", ...quietInstall, "--no-save", ...tarballs], { cwd: app }))
        const tested = yield* run("npm", ["test"], { cwd: app })
        expectOk("the generated app's npm test", tested)
        assert.match(tested.output.replaceAll(/\u001b\[[0-9;]*m/g, ""), /Tests\s+4 passed/)

        writeFileSync(join(app, "test/types.probe.ts"), typeProbe)
        expectOk("tsc with the type probe", yield* run(join(app, "node_modules/.bin/tsc"), ["--noEmit"], { cwd: app }))
      }).pipe(Effect.scoped), MINUTES_5)
  })
})

/**
 * The starter on its own: what it writes, what it refuses, the versions it pins, and
 * its command. The generated app is installed from the packed tarballs and its own test
 * run in `packages/testing/test/Install.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFileSync, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach } from "vitest"
import { Starter } from "../src/index.ts"

const here = (path: string) => new URL(path, import.meta.url)
const json = (path: string | URL) => JSON.parse(readFileSync(path, "utf8"))

const directories: Array<string> = []
const temporary = () => {
  const directory = mkdtempSync(join(tmpdir(), "specter-starter-test-"))
  directories.push(directory)
  return directory
}
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true })
})

describe("Starter", () => {
  it("create writes a service, a controller, a page, a test and a README, and a package.json on this version", () => {
    const created = Starter.create({ directory: join(temporary(), "my-app") })
    assert.strictEqual(created.name, "my-app")
    assert.includeMembers([...created.files], [
      ".gitignore",
      "README.md",
      "package.json",
      "tsconfig.json",
      "public/index.html",
      "src/Greeter.ts",
      "src/GreetingController.ts",
      "src/app.ts",
      "src/main.ts",
      "test/app.test.ts"
    ])
    const manifest = json(join(created.directory, "package.json"))
    const version = json(here("../package.json")).version
    assert.strictEqual(manifest.name, "my-app")
    assert.strictEqual(manifest.dependencies["@specter-runtime/server"], version)
    assert.strictEqual(manifest.devDependencies["@specter-runtime/testing"], version)
    assert.deepStrictEqual(manifest.scripts, { start: "node src/main.ts", test: "tsc --noEmit && vitest run" })
    const readme = readFileSync(join(created.directory, "README.md"), "utf8")
    assert.include(readme, "# my-app")
    assert.include(readme, "npm start")
    assert.include(readme, "npm test")
    assert.notInclude(readFileSync(join(created.directory, "public/index.html"), "utf8"), "{{")
  })

  it("a directory that is not empty is refused and nothing in it changes", () => {
    const directory = temporary()
    writeFileSync(join(directory, "notes.txt"), "mine")
    assert.throws(() => Starter.create({ directory, name: "app" }), /is not empty/)
    assert.deepStrictEqual(readdirSync(directory), ["notes.txt"])
    assert.strictEqual(readFileSync(join(directory, "notes.txt"), "utf8"), "mine")
  })

  it("an empty directory that exists is used", () => {
    const directory = join(temporary(), "empty")
    mkdirSync(directory)
    assert.include([...Starter.create({ directory }).files], "package.json")
  })

  it("a name that is not a valid npm package name is refused before anything is written", () => {
    const parent = temporary()
    const error = (() => {
      try {
        Starter.create({ directory: join(parent, "My App") })
      } catch (error) {
        return error
      }
    })()
    assert.instanceOf(error, Starter.StarterError)
    assert.strictEqual(error.reason, "InvalidName")
    assert.include(error.message, "--name")
    assert.deepStrictEqual(readdirSync(parent), [])
    assert.strictEqual(Starter.create({ directory: join(parent, "My App"), name: "my-app" }).name, "my-app")
  })

  it("the template pins the Effect versions Specter pins and the tool versions the repository is tested with", () => {
    const template = json(here("../template/package.json"))
    const server = json(here("../../server/package.json"))
    const installed = (name: string) => json(here(`../../../node_modules/${name}/package.json`)).version
    for (const name of ["effect", "@effect/platform-node"]) {
      assert.strictEqual(template.dependencies[name], server.peerDependencies[name], name)
    }
    for (const name of ["@effect/vitest", "vitest", "typescript", "@types/node"]) {
      assert.strictEqual(template.devDependencies[name], installed(name), name)
    }
  })

  it("the command creates the app and prints the next commands; without a directory it prints its usage and exits 1", () => {
    const bin = here("../src/bin.ts").pathname
    const parent = temporary()
    const output = execFileSync(process.execPath, [bin, "hello"], { cwd: parent, encoding: "utf8" })
    assert.include(output, "cd hello\n  npm install\n  npm start")
    assert.strictEqual(json(join(parent, "hello/package.json")).name, "hello")
    const usage = spawnSync(process.execPath, [bin], { cwd: parent, encoding: "utf8" })
    assert.strictEqual(usage.status, 1)
    assert.include(usage.stderr, "Usage: npm create specter-runtime <directory>")
    const refused = spawnSync(process.execPath, [bin, "hello"], { cwd: parent, encoding: "utf8" })
    assert.deepStrictEqual([refused.status, refused.stderr.trim().endsWith("is not empty; choose a new or an empty directory")], [1, true])
  })
})

/**
 * `npm test` runs every test of the repository: the vitest projects are found from the
 * workspace globs, so a test file of a new package, or of a package without a vitest
 * config, is never skipped silently.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { globSync } from "node:fs"
import { join } from "node:path"
import { node, repository, userEnv } from "./installHelpers.ts"

/** The files vitest would run, as `vitest list --filesOnly --json` reports them. */
const listed = (): Promise<ReadonlyArray<{ file: string; projectName: string }>> =>
  new Promise((resolve, reject) =>
    execFile(node, [join(repository, "node_modules/vitest/vitest.mjs"), "list", "--filesOnly", "--json"], {
      cwd: repository,
      env: userEnv(),
      maxBuffer: 16 * 1024 * 1024
    }, (error, stdout, stderr) => error === null ? resolve(JSON.parse(stdout)) : reject(new Error(`${error.message}\n${stderr}`))))

describe("Workspace", () => {
  it("every test file under a workspace folder belongs to a vitest project, named after its folder (its load tests: <folder>:load)", async () => {
    // The starter's template test is run by the generated app itself (Install.test.ts), never here.
    const onDisk = globSync(["packages/*/**/*.test.ts", "examples/*/**/*.test.ts"], {
      cwd: repository,
      exclude: (path) => path === "node_modules" || path === "dist" || path === "template"
    }).map((file) => join(repository, file)).sort()
    const files = await listed()
    assert.deepStrictEqual(files.map(({ file }) => file).sort(), onDisk)
    for (const { file, projectName } of files) {
      const [, folder, ...rest] = file.slice(repository.length + 1).split("/")
      // Load tests (test/load/) are a project of their own, run with no other file beside them.
      const load = rest[0] === "test" && rest[1] === "load"
      assert.strictEqual(projectName, load ? `${folder}:load` : folder, file)
    }
    assert.include(files.map(({ projectName }) => projectName), "create-specter-runtime") // a package without a vitest config
  }, 120_000)
})

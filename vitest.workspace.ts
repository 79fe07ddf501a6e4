/**
 * The test projects, found when vitest starts: every folder that a glob of the root
 * `package.json` `workspaces` matches (`packages/*`, `examples/*`), whether or not it
 * is an npm package. Each project is named after its folder; a folder with its own
 * `vitest.config.ts` extends it (vitest keeps only the name given here), a folder
 * without one runs `test/**\/*.test.ts`. So a new package's tests run without being
 * listed anywhere, and none is skipped silently.
 *
 * Tests that bound a latency under load (`test/load/**`) would measure the other test
 * files as much as the code when files run side by side on a small machine, so they
 * are a project of their own, `<folder>:load`, each in a `sequence.groupOrder` group
 * of its own, one file at a time: vitest runs groups one after another, so no other
 * test file runs beside a load test.
 *
 * Every project resolves the workspace packages to their TypeScript sources (the
 * `@specter-runtime/source` export condition, see `sourceCondition`), in vitest's
 * resolver, in its workers' `import.meta.resolve`, and in any Node process a test
 * starts (through `NODE_OPTIONS`).
 */
import { existsSync, globSync, readFileSync, statSync } from "node:fs"
import { basename, join } from "node:path"
import type { TestProjectInlineConfiguration } from "vitest/config"

/** The export condition that points each workspace package at `src/*.ts` instead of `dist/`. */
export const sourceCondition = "@specter-runtime/source"

/** Settings every project shares, merged over the folder's own config. */
const shared = {
  ssr: { resolve: { conditions: [sourceCondition] } }
} satisfies TestProjectInlineConfiguration

const root = import.meta.dirname

/** The folders matched by the root package.json's `workspaces` globs, in glob order. */
export const workspaceFolders = (): ReadonlyArray<string> => {
  const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces: ReadonlyArray<string> }
  const folders = workspaces.flatMap((pattern) => globSync(pattern, { cwd: root }).sort())
  return [...new Set(folders)].filter((folder) => statSync(join(root, folder)).isDirectory())
}

const configFile = (folder: string): string | undefined =>
  ["vitest.config.ts", "vitest.config.mts", "vitest.config.js"].map((name) => join(folder, name)).find((file) => existsSync(join(root, file)))

/** Where the tests that bound a latency under load live, in every folder. */
export const LOAD_TESTS = "test/load/**/*.test.ts"

const hasLoadTests = (folder: string): boolean => globSync(LOAD_TESTS, { cwd: join(root, folder) }).length > 0

/**
 * The folder's own tests; then, when it has load tests (`order` > 0), those, in
 * group `order` (one per folder with load tests, so no two run together).
 */
const folderProjects = (folder: string, order: number): Array<TestProjectInlineConfiguration> => {
  const config = configFile(folder)
  const test = { root: folder, name: basename(folder), exclude: ["**/node_modules/**", LOAD_TESTS] }
  const own: TestProjectInlineConfiguration = config === undefined
    ? { ...shared, extends: false, test: { ...test, include: ["test/**/*.test.ts"] } }
    : { ...shared, extends: config, test }
  if (order === 0) return [own]
  const setup = join(folder, "test/setup.ts")
  const load: TestProjectInlineConfiguration = {
    ...shared,
    extends: false,
    test: {
      root: folder,
      name: `${basename(folder)}:load`,
      include: [LOAD_TESTS],
      setupFiles: existsSync(join(root, setup)) ? ["test/setup.ts"] : [],
      fileParallelism: false,
      sequence: { groupOrder: order }
    }
  }
  return [own, load]
}

/** One inline project per workspace folder, and one more for a folder's load tests. */
export const projects = (): Array<TestProjectInlineConfiguration> => {
  const folders = workspaceFolders()
  const withLoad = folders.filter(hasLoadTests)
  return folders.flatMap((folder) => folderProjects(folder, withLoad.indexOf(folder) + 1))
}

export default projects()

/**
 * The test projects, found when vitest starts: every folder that a glob of the root
 * `package.json` `workspaces` matches (`packages/*`, `examples/*`), whether or not it
 * is an npm package. Each project is named after its folder; a folder with its own
 * `vitest.config.ts` extends it (vitest keeps only the name given here), a folder
 * without one runs `test/**\/*.test.ts`. So a new package's tests run without being
 * listed anywhere, and none is skipped silently.
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

/** One inline project per workspace folder. */
export const projects = (): Array<TestProjectInlineConfiguration> =>
  workspaceFolders().map((folder) => {
    const config = configFile(folder)
    const test = { root: folder, name: basename(folder) }
    return config === undefined
      ? { ...shared, extends: false, test: { ...test, include: ["test/**/*.test.ts"] } }
      : { ...shared, extends: config, test }
  })

export default projects()

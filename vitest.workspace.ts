/**
 * The test projects, one per package with tests. vitest 5 reads only `test.projects`
 * from a root config, so `vitest.config.ts` imports this list.
 */
export default [
  "packages/core",
  "packages/protocol",
  "packages/server",
  "packages/client",
  "packages/testing",
  "examples/inventory",
  "examples/snippets"
]

import { defineConfig } from "vitest/config"
import projects, { sourceCondition } from "./vitest.workspace.ts"

export default defineConfig({
  test: {
    projects,
    // A Node process that a test starts (`node src/main.ts`) resolves the workspace
    // packages to their sources too; an installed copy never sees this condition.
    env: { NODE_OPTIONS: [process.env["NODE_OPTIONS"], `--conditions=${sourceCondition}`].filter(Boolean).join(" ") }
  }
})

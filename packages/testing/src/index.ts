/**
 * @specter-runtime/testing: test layers and helpers for Specter applications.
 * Socket helpers live in `@specter-runtime/testing/server`.
 *
 * @since 0.1.0
 */
export * as TestLogger from "./TestLogger.ts"
export * as TestSpecter from "./TestSpecter.ts"

// Entry of the bundled browser build (dist/browser/client.js): the whole package, zod included,
// as one ES module a page can import without a bundler. It must never reach `ws`; the build
// script checks that.
export * from "../index.js";

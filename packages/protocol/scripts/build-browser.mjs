// Bundles the package (client, schemas, zod) into one ES module a page can import without a
// bundler: dist/browser/client.js. Fails when anything Node-only (`ws`, `node:*`) reaches the
// bundle, since the browser entry must work with the page's own WebSocket.
import { build } from "esbuild";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const result = await build({
  entryPoints: [join(root, "src", "client", "browser.ts")],
  outfile: join(root, "dist", "browser", "client.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: true,
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
});

const nodeOnly = Object.keys(result.metafile.inputs).filter((input) => /(^|\/)node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?ws\/|^node:/.test(input));
if (nodeOnly.length > 0) {
  console.error(`browser bundle must not contain Node-only modules:\n  ${nodeOnly.join("\n  ")}`);
  process.exit(1);
}
const out = result.metafile.outputs[relative(process.cwd(), join(root, "dist", "browser", "client.js"))];
console.log(`dist/browser/client.js: ${out ? Math.round(out.bytes / 1024) : "?"} KiB`);

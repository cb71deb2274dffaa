export { default } from "@clawdbot/vitest-config";

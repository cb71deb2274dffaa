import { config } from "@clawdbot/eslint-config";

// The bench prints its progress and results to the terminal.
export default config({ tsconfigRootDir: import.meta.dirname, allowConsole: true });

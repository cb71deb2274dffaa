import { config } from "@clawdbot/eslint-config";

export default config({ tsconfigRootDir: import.meta.dirname });

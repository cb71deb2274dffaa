import { type FSWatcher, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "pino";

/**
 * Tells when the config file or any file it includes may have changed. It watches the
 * directories (an editor's or our own atomic save replaces the file, which a watch on the file
 * itself would lose) and also compares each file's stat every `pollMs`, so a missed event, a
 * directory created later or a watcher error never turns hot reload off for good (the
 * original's watcher stops at its first error). Reports are not debounced here.
 */
export class FileWatcher {
  readonly #onChange: () => void;
  readonly #log: Logger;
  readonly #watchers = new Map<string, FSWatcher>();
  #files = new Set<string>();
  #stamps = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { onChange: () => void; log: Logger; pollMs?: number }) {
    this.#onChange = options.onChange;
    this.#log = options.log;
    this.#timer = setInterval(() => this.#poll(), options.pollMs ?? 2_000);
    this.#timer.unref();
  }

  /** The files to follow: the config file and what it includes now. */
  setFiles(files: readonly string[]): void {
    this.#files = new Set(files);
    for (const file of this.#files) if (!this.#stamps.has(file)) this.#stamps.set(file, stamp(file));
    for (const file of [...this.#stamps.keys()]) if (!this.#files.has(file)) this.#stamps.delete(file);
    this.#syncWatchers();
  }

  stop(): void {
    clearInterval(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #syncWatchers(): void {
    const dirs = new Set([...this.#files].map((f) => dirname(f)));
    for (const [dir, watcher] of this.#watchers) {
      if (dirs.has(dir)) continue;
      watcher.close();
      this.#watchers.delete(dir);
    }
    for (const dir of dirs) {
      if (this.#watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (name === null || [...this.#files].some((f) => dirname(f) === dir && basename(f) === name)) this.#onChange();
        });
        watcher.on("error", (err) => {
          this.#log.warn({ err, dir }, "config directory watch failed; polling until it can be watched again");
          watcher.close();
          this.#watchers.delete(dir);
        });
        this.#watchers.set(dir, watcher);
      } catch {
        // The directory does not exist yet: the poll notices the file when it appears.
      }
    }
  }

  #poll(): void {
    let changed = false;
    for (const file of this.#files) {
      const now = stamp(file);
      if (this.#stamps.get(file) !== now) {
        this.#stamps.set(file, now);
        changed = true;
      }
    }
    this.#syncWatchers();
    if (changed) this.#onChange();
  }
}

function stamp(file: string): string {
  try {
    const st = statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return "missing";
  }
}

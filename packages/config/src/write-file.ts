import { randomUUID } from "node:crypto";
import { chmod, copyFile, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export const BACKUP_COUNT = 5;

/** `<file>.bak`, `<file>.bak.1` … `<file>.bak.4`, newest first (the original's names). */
export function backupPaths(path: string): string[] {
  return [`${path}.bak`, ...Array.from({ length: BACKUP_COUNT - 1 }, (_, i) => `${path}.bak.${i + 1}`)];
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await open(path, "r")).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the config file as the original does (subsystems §A.4), plus an fsync: the text goes
 * to a temp file (mode 0600) in the same directory, the current file is copied to `.bak` after
 * shifting older backups, and the temp file is renamed over the target, so a reader sees the
 * old file or the new one, never a half-written one.
 */
export async function writeConfigText(path: string, text: string): Promise<{ backup: string | null }> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `${basename(path)}.${process.pid}.${randomUUID()}.tmp`);
  const handle = await open(tmp, "w", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(tmp, 0o600);
    let backup: string | null = null;
    if (await exists(path)) {
      const backups = backupPaths(path);
      await rm(backups.at(-1)!, { force: true });
      for (let i = backups.length - 2; i >= 0; i--) {
        await rename(backups[i]!, backups[i + 1]!).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "ENOENT") throw err;
        });
      }
      await copyFile(path, backups[0]!);
      await chmod(backups[0]!, 0o600);
      backup = backups[0]!;
    }
    await rename(tmp, path);
    return { backup };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

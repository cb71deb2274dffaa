import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type EffectiveConfig, type EffectiveConfigWatcher, watchEffectiveConfig } from "@clawdbot/config";
import { type NatsNames, natsNames } from "@clawdbot/protocol";
import { type AppProcess, type LogLine, type NatsServer, startNatsServer, waitFor } from "@clawdbot/testkit";
import { type NatsConnection, connect } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FULL_SAMPLE, INCLUDE_SAMPLE, LEGACY_SAMPLE, SECRETS, callService, writeFiles } from "./config-samples.js";
import { Stack } from "./stack.js";

// config-service end to end: real nats-server, config-service replicas as processes, real files
// in temp dirs, and services' view of the config through the @clawdbot/config watcher.

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const DEADLINE = { timeoutMs: 15_000 };

let nats: NatsServer;
const connections: NatsConnection[] = [];

async function natsConnection(): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url });
  connections.push(nc);
  return nc;
}

beforeAll(async () => {
  nats = await startNatsServer();
});

afterAll(async () => {
  await Promise.all(connections.map((nc) => nc.drain().catch(() => undefined)));
  await nats?.stop();
});

describe("the layered config, served by two replicas", () => {
  let stack: Stack;
  let names: NatsNames;
  let replicas: AppProcess[];
  let nc: NatsConnection;
  let serviceA: EffectiveConfigWatcher;
  let serviceB: EffectiveConfigWatcher;
  let configPath: string;
  const serviceEnv = {
    GATEWAY_SECRET: SECRETS.gatewaySecret,
    CLAWDBOT_GATEWAY_PORT: "19002",
    CLAWDBOT_CONFIG__session__mainKey: "desk",
  };
  const call = (method: string, params: unknown = {}) => callService(nc, names, method, params);
  const current = (w: EffectiveConfigWatcher): EffectiveConfig => {
    if (!w.current) throw new Error("no effective config published");
    return w.current;
  };

  beforeAll(async () => {
    stack = new Stack({ natsUrl: nats.url });
    names = natsNames(stack.prefix);
    configPath = join(stack.stateDir, "moltbot.json");
    writeFiles(stack.stateDir, { "moltbot.json": FULL_SAMPLE });
    replicas = await Promise.all([stack.start("config-service", serviceEnv), stack.start("config-service", serviceEnv)]);
    nc = await natsConnection();
    // Two services' views, each on its own connection, as two processes would have them.
    serviceA = await watchEffectiveConfig(await natsConnection(), stack.prefix);
    serviceB = await watchEffectiveConfig(await natsConnection(), stack.prefix);
  });

  afterAll(async () => {
    serviceA?.stop();
    serviceB?.stop();
    await stack?.stop();
  });

  test("the sample loads: effective values and their layers, defaults < file < env, key by key", () => {
    const effective = current(serviceA);
    const c = effective.config;
    expect([c.gateway.bind, serviceA.layerOf("gateway.bind")]).toEqual(["loopback", "default"]);
    expect([c.gateway.port, serviceA.layerOf("gateway.port")]).toEqual([19002, "env"]);
    // The environment beats the file for the token (the original lets the file win).
    expect([c.gateway.auth?.token, serviceA.layerOf("gateway.auth.token")]).toEqual([stack.token, "env"]);
    expect([c.gateway.auth?.mode, serviceA.layerOf("gateway.auth.mode")]).toEqual(["token", "file"]);
    expect([c.agents.defaults.timeoutSeconds, serviceA.layerOf("agents.defaults.timeoutSeconds")]).toEqual([900, "file"]);
    expect([c.session.mainKey, serviceA.layerOf("session.mainKey")]).toEqual(["desk", "env"]);
    expect([c.session.scope, serviceA.layerOf("session.scope")]).toEqual(["per-sender", "default"]);
    expect(c.models?.providers?.openrouter?.apiKey).toBe(SECRETS.openrouter);
    expect(c.agents.list?.map((a) => a.id)).toEqual(["main", "work"]);
    // Sections this gateway does not run come through verbatim.
    expect(c.channels).toEqual({ telegram: { botToken: SECRETS.telegram, dmPolicy: "pairing", allowFrom: ["@molty_owner"] } });
    expect(effective.fileHash).toBe(sha256(FULL_SAMPLE));
    expect(current(serviceB).hash).toBe(effective.hash);
  });

  test("config.get never returns a secret, in raw, parsed or config; comments and references stay", async () => {
    const res = await call("config.get");
    if (!res.ok) throw new Error(res.error.message);
    const text = JSON.stringify(res.result);
    for (const secret of [stack.token, ...Object.values(SECRETS)]) expect(text).not.toContain(secret);
    const snapshot = res.result;
    expect(snapshot).toMatchObject({ path: configPath, exists: true, valid: true, hash: sha256(FULL_SAMPLE), issues: [], legacyIssues: [] });
    expect(snapshot.raw).toContain("// Molty's gateway. Written by the wizard, edited by hand since.");
    expect(snapshot.raw).toContain('token: "${GATEWAY_SECRET}"');
    expect(snapshot.raw).toContain('botToken: "__CLAWDBOT_REDACTED__:channels.telegram.botToken"');
    expect(snapshot.config.gateway.auth.token).toBe("__CLAWDBOT_REDACTED__");
    expect(snapshot.config.gateway.port).toBe(19002);
    expect(snapshot.provenance["gateway.auth.token"]).toBe("env");
    expect(snapshot.warnings.map((w: { path: string }) => w.path).sort()).toEqual(["channels", "cron", "hooks", "messages", "wizard"]);
  });

  test("config.schema: JSON Schema and uiHints with secrets marked", async () => {
    const res = await call("config.schema");
    expect(res.ok && res.result.uiHints["gateway.auth.token"]).toEqual({ label: "Gateway Token", sensitive: true });
    expect(res.ok && res.result.schema.properties.gateway.additionalProperties).toBe(false);
  });

  test("a runtime override beats env and file, reaches every service, and goes with override.clear; the file is untouched", async () => {
    const before = readFileSync(configPath);
    const set = await call("config.override.set", { path: "gateway.port", value: 19003 });
    expect(set).toMatchObject({ ok: true, result: { ok: true, overrides: ["gateway.port"], plan: { changedPaths: ["gateway.port"], restart: true } } });
    await call("config.override.set", { path: "agents.defaults.timeoutSeconds", value: 30 });
    for (const service of [serviceA, serviceB]) {
      await waitFor(() => service.current?.config.agents.defaults.timeoutSeconds === 30, { ...DEADLINE, message: "override not seen" });
      expect([service.current?.config.gateway.port, service.layerOf("gateway.port")]).toEqual([19003, "override"]);
      expect(service.layerOf("agents.defaults.timeoutSeconds")).toBe("override");
    }
    const invalid = await call("config.override.set", { path: "gateway.port", value: "not-a-port" });
    expect(invalid).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: "invalid config" } });
    expect(invalid.ok || invalid.error.details.issues[0]).toMatchObject({ path: "gateway.port", message: expect.stringContaining("override") });
    const get = await call("config.get");
    expect(get.ok && get.result.provenance["gateway.port"]).toBe("override");

    expect(await call("config.override.clear", { path: "gateway.port" })).toMatchObject({ ok: true, result: { overrides: ["agents.defaults.timeoutSeconds"] } });
    for (const service of [serviceA, serviceB]) {
      await waitFor(() => service.current?.config.gateway.port === 19002, { ...DEADLINE, message: "cleared override still seen" });
      expect(service.layerOf("gateway.port")).toBe("env");
    }
    await call("config.override.clear", {});
    for (const service of [serviceA, serviceB]) {
      await waitFor(() => service.current?.config.agents.defaults.timeoutSeconds === 900, { ...DEADLINE, message: "override not cleared" });
      expect(service.layerOf("agents.defaults.timeoutSeconds")).toBe("file");
    }
    expect(readFileSync(configPath).equals(before)).toBe(true);
  });

  test("config.set: a stale or missing hash fails; the current one writes, with redacted values kept", async () => {
    const get = await call("config.get");
    if (!get.ok) throw new Error(get.error.message);
    const raw = (get.result.raw as string).replace("timeoutSeconds: 900", "timeoutSeconds: 901");
    expect(await call("config.set", { raw })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: "config base hash required; re-run config.get and retry" } });
    expect(await call("config.set", { raw, baseHash: sha256("something else") })).toMatchObject({
      ok: false,
      error: { code: "INVALID_REQUEST", message: "config changed since last load; re-run config.get and retry" },
    });
    const set = await call("config.set", { raw, baseHash: get.result.hash });
    if (!set.ok) throw new Error(set.error.message);
    const written = readFileSync(configPath, "utf8");
    expect(set.result).toMatchObject({ ok: true, path: configPath, hash: sha256(written), plan: { changedPaths: ["agents.defaults.timeoutSeconds"], restart: false } });
    expect(JSON.stringify(set.result)).not.toContain(SECRETS.telegram);
    // Written as sent: comments kept, the redacted literal restored, the reference still a reference.
    expect(written).toBe(FULL_SAMPLE.replace("timeoutSeconds: 900", "timeoutSeconds: 901"));
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${configPath}.bak`, "utf8")).toBe(FULL_SAMPLE);
    // The old hash is stale now.
    expect(await call("config.set", { raw, baseHash: get.result.hash })).toMatchObject({ ok: false, error: { message: "config changed since last load; re-run config.get and retry" } });
    await waitFor(() => serviceA.current?.config.agents.defaults.timeoutSeconds === 901, { ...DEADLINE, message: "write not published" });
  });

  test("concurrent config.patch through two replicas with one hash: exactly one wins, nothing else is lost", async () => {
    const participated = new Set<number>();
    for (let round = 0; round < 6 && participated.size < 2; round++) {
      const get = await call("config.get");
      if (!get.ok) throw new Error(get.error.message);
      const parsedBefore = get.result.parsed as Record<string, unknown>;
      const marks = replicas.map((r) => r.logs.length);
      const writers = Array.from({ length: 12 }, (_, i) => `writer-${round}-${i}`);
      const results = await Promise.all(
        writers.map((name) => call("config.patch", { raw: JSON.stringify({ ui: { assistant: { name } } }), baseHash: get.result.hash })),
      );
      const winners = writers.filter((_, i) => results[i]!.ok);
      expect(winners).toHaveLength(1);
      for (const r of results.filter((r) => !r.ok)) {
        expect(r).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: "config changed since last load; re-run config.get and retry" } });
      }
      const after = readFileSync(configPath, "utf8");
      const getAfter = await call("config.get");
      expect(getAfter.ok && getAfter.result.parsed).toEqual({ ...parsedBefore, ui: { assistant: { name: winners[0] } } });
      // Never inlined: the reference stays, and no resolved secret reaches the file.
      expect(after).toContain('"token": "${GATEWAY_SECRET}"');
      expect(after).not.toContain(stack.token);
      expect(after).not.toContain(SECRETS.gatewaySecret);
      // Literal secrets the file holds survive the rewrite (they are only hidden from config.get).
      expect(after).toContain(SECRETS.telegram);
      expect(after).toContain(SECRETS.hook);
      replicas.forEach((replica, i) => {
        const lines = replica.logs.slice(marks[i]);
        if (lines.some((l: LogLine) => l.msg === "config file written" || l.msg === "config write refused: base hash is not the file's")) participated.add(i);
      });
    }
    expect(participated.size).toBe(2);
  });

  test("a hand edit reaches every service without a restart; config.changed says what, never the values", async () => {
    const pids = replicas.map((r) => r.pid);
    const events: unknown[] = [];
    const sub = nc.subscribe(names.event("config.changed"), { callback: (_e, msg) => events.push(msg.json()) });
    await nc.flush();
    const text = readFileSync(configPath, "utf8").replace(/("?timeoutSeconds"?: )\d+/, (_m, key: string) => `${key}777`);
    writeFileSync(configPath, text);
    for (const service of [serviceA, serviceB]) {
      await waitFor(() => service.current?.config.agents.defaults.timeoutSeconds === 777, { ...DEADLINE, message: "hand edit not seen" });
    }
    expect(current(serviceA)).toMatchObject({ source: "file", fileHash: sha256(text), plan: { changedPaths: ["agents.defaults.timeoutSeconds"], restart: false } });
    await waitFor(() => events.length > 0, { ...DEADLINE, message: "no config.changed event" });
    expect(events[0]).toEqual({
      hash: sha256(text),
      effectiveHash: current(serviceA).hash,
      changedPaths: ["agents.defaults.timeoutSeconds"],
      restart: false,
      mode: "hybrid",
      source: "file",
    });
    sub.unsubscribe();
    expect(replicas.map((r) => [r.pid, r.running])).toEqual(pids.map((pid) => [pid, true]));
  });

  test("a restart-class edit is planned as a restart; a hot one is not", async () => {
    const get = await call("config.get");
    const bind = await call("config.patch", { raw: "{ gateway: { bind: 'lan' } }", baseHash: get.ok ? get.result.hash : "" });
    expect(bind).toMatchObject({ ok: true, result: { plan: { changedPaths: ["gateway.bind"], restartPaths: ["gateway.bind"], restart: true } } });
    const proxies = await call("config.patch", { raw: "{ gateway: { trustedProxies: ['10.0.0.1'], bind: null } }", baseHash: bind.ok ? bind.result.hash : "" });
    expect(proxies).toMatchObject({ ok: true, result: { plan: { hotPaths: ["gateway.trustedProxies"], restartPaths: ["gateway.bind"] } } });
    await waitFor(() => serviceB.current?.config.gateway.trustedProxies?.[0] === "10.0.0.1", { ...DEADLINE, message: "patch not published" });
    expect(current(serviceB).plan).toMatchObject({ hotPaths: ["gateway.trustedProxies"] });
  });

  test("an invalid edit is refused with its issues logged; the last good config stays in force", async () => {
    const before = await call("config.get");
    if (!before.ok) throw new Error(before.error.message);
    const goodHash: string = before.result.effectiveHash;
    for (const service of [serviceA, serviceB]) await waitFor(() => service.current?.hash === goodHash, { ...DEADLINE, message: "services not in sync" });
    const goodText = readFileSync(configPath, "utf8");
    const marks = replicas.map((r) => r.logs.length);
    writeFileSync(configPath, "{ gateway: { prot: 1 }, agents: { defaults: { timeoutSeconds: 5 } } }");
    const refused = await Promise.any(
      replicas.map((r, i) => r.waitForLog((l) => replicas[i]!.logs.indexOf(l) >= marks[i]! && String(l.msg).startsWith("config reload skipped (invalid config)"), 15_000)),
    );
    expect(refused.msg).toContain('gateway.prot: Unrecognized key: "prot"');
    expect(refused.issues).toEqual([{ path: "gateway.prot", message: 'Unrecognized key: "prot"' }]);
    const get = await call("config.get");
    expect(get).toMatchObject({ ok: true, result: { valid: false, issues: [{ path: "gateway.prot" }], effectiveHash: goodHash } });
    // Still the last good config, everywhere, well after the debounce.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect([current(serviceA).hash, current(serviceB).hash]).toEqual([goodHash, goodHash]);
    expect(current(serviceA).config.agents.defaults.timeoutSeconds).not.toBe(5);
    // Overrides still apply while the file is broken, on top of the file layer in force.
    expect(await call("config.override.set", { path: "agents.defaults.timeoutSeconds", value: 44 })).toMatchObject({ ok: true });
    for (const service of [serviceA, serviceB]) {
      await waitFor(() => service.current?.config.agents.defaults.timeoutSeconds === 44, { ...DEADLINE, message: "override not applied over a broken file" });
      expect(service.current?.config.ui?.assistant?.name).toBe(current(serviceA).config.ui?.assistant?.name);
    }
    await call("config.override.clear", {});
    await waitFor(() => serviceA.current?.hash === goodHash, { ...DEADLINE, message: "back to the last good config" });
    writeFileSync(configPath, goodText.replace(/("?timeoutSeconds"?: )\d+/, (_m, key: string) => `${key}778`));
    await waitFor(() => serviceA.current?.config.agents.defaults.timeoutSeconds === 778, { ...DEADLINE, message: "fixed file not applied" });
  });
});

describe("$include and ${VAR}: loaded, watched, never flattened or inlined by writes", () => {
  let stack: Stack;
  let names: NatsNames;
  let nc: NatsConnection;
  let service: EffectiveConfigWatcher;
  const call = (method: string, params: unknown = {}) => callService(nc, names, method, params);

  beforeAll(async () => {
    stack = new Stack({ natsUrl: nats.url });
    names = natsNames(stack.prefix);
    writeFiles(stack.stateDir, INCLUDE_SAMPLE);
    await stack.start("config-service", { GATEWAY_SECRET: SECRETS.gatewaySecret, CLAWDBOT_GATEWAY_TOKEN: "" });
    nc = await natsConnection();
    service = await watchEffectiveConfig(nc, names);
  });

  afterAll(async () => {
    service?.stop();
    await stack?.stop();
  });

  test("included values load, siblings win, the token comes from ${VAR} through an include", () => {
    const c = service.current!.config;
    expect([c.gateway.port, c.gateway.auth?.token, c.logging?.level]).toEqual([19200, SECRETS.gatewaySecret, "debug"]);
    expect([c.agents.defaults.timeoutSeconds, c.agents.list?.map((a) => a.id)]).toEqual([120, ["main", "ops"]]);
    expect(c.channels).toEqual({ discord: { token: SECRETS.discord } });
    expect(service.layerOf("gateway.auth.token")).toBe("file");
  });

  test("editing an included file reloads", async () => {
    writeFiles(stack.stateDir, { "agents/defaults.json5": "{ defaults: { timeoutSeconds: 121 } }" });
    await waitFor(() => service.current?.config.agents.defaults.timeoutSeconds === 121, { ...DEADLINE, message: "include edit not seen" });
  });

  test("config.get hides secrets from included files and ${VAR}s", async () => {
    const get = await call("config.get");
    const text = JSON.stringify(get);
    expect(text).not.toContain(SECRETS.discord);
    expect(text).not.toContain(SECRETS.gatewaySecret);
  });

  test("config.patch keeps $include and ${VAR} as written, and refuses what an include would undo", async () => {
    const get = await call("config.get");
    const patch = await call("config.patch", {
      raw: "{ gateway: { trustedProxies: ['10.1.1.1'] }, agents: { defaults: { timeoutSeconds: 60 } } }",
      baseHash: get.ok ? get.result.hash : "",
    });
    expect(patch).toMatchObject({ ok: true });
    const written = readFileSync(join(stack.stateDir, "moltbot.json"), "utf8");
    expect(JSON.parse(written)).toEqual({
      $include: "./base.json5",
      gateway: { reload: { debounceMs: 100 }, trustedProxies: ["10.1.1.1"] },
      agents: { $include: ["./agents/defaults.json5", "./agents/list.json5"], defaults: { timeoutSeconds: 60 } },
      channels: { $include: "./channels.json5" },
    });
    expect(written).not.toContain(SECRETS.gatewaySecret);
    expect(written).not.toContain(SECRETS.discord);
    expect(readFileSync(join(stack.stateDir, "base.json5"), "utf8")).toBe(INCLUDE_SAMPLE["base.json5"]);
    await waitFor(() => service.current?.config.agents.defaults.timeoutSeconds === 60, { ...DEADLINE, message: "patch not published" });

    const undone = await call("config.patch", { raw: "{ agents: { list: null } }", baseHash: patch.ok ? patch.result.hash : "" });
    expect(undone).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", message: expect.stringMatching(/^config\.patch cannot change agents\.list: its value comes from an \$included file/) } });
  });

  test("gateway.reload.mode off: hand edits are noticed, not applied; API writes still are", async () => {
    const get = await call("config.get");
    const off = await call("config.patch", { raw: "{ gateway: { reload: { mode: 'off' } } }", baseHash: get.ok ? get.result.hash : "" });
    expect(off).toMatchObject({ ok: true, result: { plan: { mode: "off", changedPaths: ["gateway.reload.mode"] } } });
    await waitFor(() => service.current?.config.gateway.reload.mode === "off", { ...DEADLINE, message: "mode not published" });
    const app = stack.apps[0]!;
    const mark = app.logs.length;
    writeFiles(stack.stateDir, { "channels.json5": "{ discord: { token: 'changed-by-hand' } }" });
    await app.waitForLog((l) => app.logs.indexOf(l) >= mark && l.msg === "config file changed; not applied (gateway.reload.mode is off)", 15_000);
    expect(service.current?.config.channels).toEqual({ discord: { token: SECRETS.discord } });
    const back = await call("config.patch", { raw: "{ gateway: { reload: { mode: 'hybrid' } } }", baseHash: off.ok ? off.result.hash : "" });
    expect(back).toMatchObject({ ok: true, result: { plan: { changedPaths: ["channels.discord.token", "gateway.reload.mode"] } } });
    await waitFor(() => service.current?.config.gateway.reload.mode === "hybrid", { ...DEADLINE, message: "mode not published" });
    expect(service.current?.config.channels).toEqual({ discord: { token: "changed-by-hand" } });
  });
});

describe("legacy configs", () => {
  test("are migrated at start: a backup is written, the changes are listed, the result is valid", async () => {
    const stack = new Stack({ natsUrl: nats.url });
    const names = natsNames(stack.prefix);
    const configPath = join(stack.stateDir, "moltbot.json");
    writeFiles(stack.stateDir, { "moltbot.json": LEGACY_SAMPLE });
    try {
      const service = await stack.start("config-service");
      const migrated = await service.waitForLog((l) => l.msg?.startsWith("config migrated from legacy keys") ?? false);
      expect(migrated.changes).toEqual([
        "Moved telegram → channels.telegram.",
        "Moved gateway.token → gateway.auth.token.",
        'Moved telegram.requireMention → channels.telegram.groups."*".requireMention.',
        "Migrated agent.model string → agent.model.primary.",
        'Moved routing.defaultAgentId → agents.list (id "home").default.',
        "Moved routing.queue → messages.queue.",
        "Moved agent → agents.defaults.",
        'Moved identity → agents.list (id "home").identity.',
      ]);
      expect(migrated.backup).toBe(`${configPath}.bak`);
      expect(readFileSync(`${configPath}.bak`, "utf8")).toBe(LEGACY_SAMPLE);
      const get = await callService(await natsConnection(), names, "config.get");
      expect(get).toMatchObject({ ok: true, result: { valid: true, legacyIssues: [], issues: [] } });
      const watcher = await watchEffectiveConfig(await natsConnection(), names);
      expect(watcher.current?.config.agents.list).toEqual([{ id: "home", default: true, identity: { name: "Clawd", emoji: "🦀" } }]);
      expect(watcher.current?.config.agents.defaults).toMatchObject({ model: { primary: "anthropic/claude-opus-4" }, timeoutSeconds: 300 });
      expect((JSON.parse(readFileSync(configPath, "utf8")) as { gateway: unknown }).gateway).toEqual({ port: 18789, auth: { token: "legacy-gateway-token", mode: "token" } });
      watcher.stop();
    } finally {
      await stack.stop();
    }
  });
});

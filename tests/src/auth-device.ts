import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { type ConnectOverrides, type Frame, RawClient, connectParams } from "@clawdbot/testkit";
import type { ClientOptions } from "ws";

/**
 * A device built to the spec's signing rules (§4.3) with node:crypto only, as the original's CLI
 * does it: Ed25519 key, id = sha256 of the raw key, v2 string over the challenge nonce (v1
 * without one), signature in base64url.
 */
export class TestDevice {
  readonly id: string;
  readonly publicKeyRaw: string;
  readonly publicKeyPem: string;
  readonly #privateKey: KeyObject;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12);
    this.id = createHash("sha256").update(raw).digest("hex");
    this.publicKeyRaw = raw.toString("base64url");
    this.publicKeyPem = publicKey.export({ type: "spki", format: "pem" }) as string;
    this.#privateKey = privateKey;
  }

  /** The `device` block of a connect; `scopes` as sent (not defaulted), `role` after defaulting. */
  proof(fields: {
    clientId: string;
    clientMode: string;
    role?: string;
    scopes?: string[];
    token?: string;
    nonce?: string;
    signedAt?: number;
    publicKey?: string;
    signatureEncoding?: "base64url" | "base64";
  }): Record<string, unknown> {
    const signedAt = fields.signedAt ?? Date.now();
    const parts = [
      fields.nonce ? "v2" : "v1",
      this.id,
      fields.clientId,
      fields.clientMode,
      fields.role ?? "operator",
      (fields.scopes ?? []).join(","),
      String(signedAt),
      fields.token ?? "",
      ...(fields.nonce ? [fields.nonce] : []),
    ];
    const signature = sign(null, Buffer.from(parts.join("|"), "utf8"), this.#privateKey).toString(fields.signatureEncoding ?? "base64url");
    return {
      id: this.id,
      publicKey: fields.publicKey ?? this.publicKeyRaw,
      signature,
      signedAt,
      ...(fields.nonce ? { nonce: fields.nonce } : {}),
    };
  }
}

export interface DeviceConnectOptions {
  token?: string;
  role?: string;
  scopes?: string[];
  client?: { id: string; mode: string };
  /** Sign the challenge nonce (v2); false signs v1 without a nonce. */
  useNonce?: boolean;
  /** Extra socket options: `headers` (X-Forwarded-For, Origin), `localAddress`. */
  socket?: ClientOptions;
  /** Changes the proof before it is sent (to break one rule). */
  tamper?: (proof: Record<string, unknown>) => Record<string, unknown>;
  extra?: ConnectOverrides;
}

/** Opens a socket, waits for the challenge, and connects with a signed device. */
export async function connectWithDevice(
  url: string,
  device: TestDevice,
  options: DeviceConnectOptions = {},
): Promise<{ client: RawClient; hello: Frame; proof: Record<string, unknown> }> {
  const client = await RawClient.open(url, options.socket ?? {});
  const challenge = await client.next((f) => f.event === "connect.challenge");
  const nonce = (challenge.payload as { nonce: string }).nonce;
  const who = options.client ?? { id: "cli", mode: "cli" };
  let proof = device.proof({
    clientId: who.id,
    clientMode: who.mode,
    role: options.role,
    scopes: options.scopes,
    token: options.token,
    nonce: options.useNonce === false ? undefined : nonce,
  });
  if (options.tamper) proof = options.tamper(proof);
  const params = connectParams({
    ...(options.token === undefined ? {} : { token: options.token }),
    client: who,
    ...(options.role ? { role: options.role } : {}),
    ...(options.scopes ? { scopes: options.scopes } : {}),
    device: proof,
    ...options.extra,
  });
  const hello = await client.request("connect", params);
  return { client, hello, proof };
}

/** The scopes the original CLI asks for (spec §10.2). */
export const CLI_SCOPES = ["operator.admin", "operator.approvals", "operator.pairing"];

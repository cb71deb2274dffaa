import type { Answer, Question, RecordType, SrvAnswer, StringAnswer, TxtAnswer } from "dns-packet";
import { SERVICE_ENUMERATION, stripDot } from "./service-types.js";
import { encodeTxt } from "./txt.js";

// The DNS-SD records of one advertised gateway (RFC 6763), and which of them answer a question.

/** TTLs as mDNS responders use them (RFC 6762 §10): host-bound records short, the rest long. */
export const TTL = { host: 120, service: 4500 } as const;

export interface ServiceDescription {
  /** The instance label, e.g. `studio (Clawdbot)`. */
  instanceName: string;
  /** Service types without domain, e.g. `_clawdbot-gw._tcp`. */
  serviceTypes: readonly string[];
  /** `studio` → SRV target `studio.local`. */
  hostLabel: string;
  port: number;
  txt: Record<string, string>;
  /** The host's addresses, answered as A / AAAA records of the SRV target. */
  addresses: { v4: readonly string[]; v6: readonly string[] };
}

export interface Answers {
  answers: Answer[];
  additionals: Answer[];
}

const lower = (name: string) => stripDot(name).toLowerCase();

/** The question type "any record" (255); dns-packet encodes it but its types leave it out. */
export const ANY = "ANY" as RecordType;

/** A record's TTL; undefined for the OPT pseudo-record, which has none. */
export function ttlOf(record: Answer): number | undefined {
  return "ttl" in record ? record.ttl : undefined;
}

/** The records of one service description, and the answers they give. */
export class ServiceRecords {
  readonly description: ServiceDescription;
  readonly target: string;
  /** TXT keys left out because an entry did not fit in 255 bytes. */
  readonly droppedTxtKeys: string[];
  readonly #txtData: string[];

  constructor(description: ServiceDescription) {
    this.description = description;
    this.target = `${description.hostLabel}.local`;
    const { data, dropped } = encodeTxt(description.txt);
    this.#txtData = data;
    this.droppedTxtKeys = dropped;
  }

  /** `studio (Clawdbot)._clawdbot-gw._tcp.local` for each service type. */
  instanceNames(): string[] {
    return this.description.serviceTypes.map((type) => this.#instanceFqdn(type));
  }

  /** Records unique to this instance (SRV, TXT): the ones a probe claims and a conflict is about. */
  uniqueRecords(): Answer[] {
    return this.description.serviceTypes.flatMap((type) => [this.#srv(type), this.#txt(type)]);
  }

  /** Every record, for an announcement. */
  all(): Answer[] {
    return [
      ...this.description.serviceTypes.flatMap((type) => [this.#ptr(type), this.#srv(type), this.#txt(type), this.#enumeration(type)]),
      ...this.#hostRecords(),
    ];
  }

  /**
   * Goodbyes (TTL 0) for this instance's records. Host address records are left alone: another
   * gateway on the same host serves the same ones and is still there.
   */
  goodbyes(): Answer[] {
    return this.description.serviceTypes.flatMap((type) => [this.#ptr(type), this.#srv(type), this.#txt(type)]).map((r) => ({ ...r, ttl: 0 }));
  }

  /** What answers `questions`, minus what the querier already knows (known-answer suppression). */
  answer(questions: readonly Question[], knownAnswers: readonly Answer[] = []): Answers {
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    const types = this.description.serviceTypes;
    for (const q of questions) {
      const name = lower(q.name);
      const any = q.type === ANY;
      for (const type of types) {
        const serviceName = `${type}.local`.toLowerCase();
        const instance = this.#instanceFqdn(type).toLowerCase();
        if (name === serviceName && (any || q.type === "PTR")) {
          answers.push(this.#ptr(type));
          additionals.push(this.#srv(type), this.#txt(type), ...this.#hostRecords());
        }
        if (name === instance) {
          if (any || q.type === "SRV") {
            answers.push(this.#srv(type));
            additionals.push(...this.#hostRecords());
          }
          if (any || q.type === "TXT") answers.push(this.#txt(type));
        }
        if (name === SERVICE_ENUMERATION && (any || q.type === "PTR")) answers.push(this.#enumeration(type));
      }
      if (name === this.target.toLowerCase()) {
        for (const r of this.#hostRecords()) if (any || q.type === r.type) answers.push(r);
      }
    }
    const known = knownAnswers.filter((k) => (ttlOf(k) ?? 0) > 0);
    const suppressed = (r: Answer) =>
      known.some((k) => k.type === r.type && lower(k.name) === lower(r.name) && rdataKey(k) === rdataKey(r) && (ttlOf(k) ?? 0) >= (ttlOf(r) ?? 0) / 2);
    const finalAnswers = dedupe(answers).filter((r) => !suppressed(r));
    const inAnswers = new Set(finalAnswers.map(recordKey));
    return { answers: finalAnswers, additionals: dedupe(additionals).filter((r) => !inAnswers.has(recordKey(r))) };
  }

  #instanceFqdn(type: string): string {
    return `${this.description.instanceName}.${type}.local`;
  }

  #ptr(type: string): StringAnswer {
    return { name: `${type}.local`, type: "PTR", class: "IN", ttl: TTL.service, data: this.#instanceFqdn(type) };
  }

  #enumeration(type: string): StringAnswer {
    return { name: SERVICE_ENUMERATION, type: "PTR", class: "IN", ttl: TTL.service, data: `${type}.local` };
  }

  #srv(type: string): SrvAnswer {
    return { name: this.#instanceFqdn(type), type: "SRV", class: "IN", ttl: TTL.host, flush: true, data: { priority: 0, weight: 0, port: this.description.port, target: this.target } };
  }

  #txt(type: string): TxtAnswer {
    return { name: this.#instanceFqdn(type), type: "TXT", class: "IN", ttl: TTL.service, flush: true, data: this.#txtData };
  }

  #hostRecords(): Answer[] {
    const { v4, v6 } = this.description.addresses;
    return [
      ...v4.map((data): StringAnswer => ({ name: this.target, type: "A", class: "IN", ttl: TTL.host, flush: true, data })),
      ...v6.map((data): StringAnswer => ({ name: this.target, type: "AAAA", class: "IN", ttl: TTL.host, flush: true, data })),
    ];
  }
}

/**
 * A record's data in a comparable form: equal data means the same record (our own echo, or an
 * identical claim), different data under one unique name is a conflict. Compared as strings on
 * both sides of a tie-break, so every responder running this code orders claims the same way.
 */
export function rdataKey(record: Answer): string {
  switch (record.type) {
    case "SRV": {
      const d = record.data;
      return `${String(d.priority ?? 0).padStart(5, "0")} ${String(d.weight ?? 0).padStart(5, "0")} ${String(d.port).padStart(5, "0")} ${lower(d.target)}`;
    }
    case "TXT": {
      const items = Array.isArray(record.data) ? record.data : [record.data];
      return items.map((i) => (typeof i === "string" ? Buffer.from(i) : i).toString("hex")).join(".");
    }
    case "A":
    case "AAAA":
    case "PTR":
    case "CNAME":
      return lower(record.data);
    default:
      return JSON.stringify((record as { data?: unknown }).data ?? null);
  }
}

const recordKey = (r: Answer) => `${r.type} ${lower(r.name)} ${rdataKey(r)}`;

function dedupe(records: Answer[]): Answer[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = recordKey(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

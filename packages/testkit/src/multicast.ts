import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";

// mDNS on the loopback interface for discovery tests: advertisers and browsers are pinned to
// 127.0.0.1 and a port of the test's own, so no datagram leaves the machine and nothing else
// listening on 5353 is disturbed. Loopback often lacks the MULTICAST flag; a test can set it
// (as root) when datagrams do not arrive without it, and put it back afterwards.

const MDNS_GROUP_V4 = "224.0.0.251";

/** A free-looking port for one test file's mDNS traffic, away from 5353 and other runs. */
export function testMdnsPort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000);
}

/**
 * Whether multicast datagrams sent on the loopback interface come back to a member socket
 * here; undefined when they do, otherwise why not (for the skip message).
 */
export async function loopbackMulticastProblem(port: number): Promise<string | undefined> {
  const receiver = createSocket({ type: "udp4", reuseAddr: true });
  const sender = createSocket({ type: "udp4", reuseAddr: true });
  try {
    await new Promise<void>((resolve, reject) => {
      receiver.once("error", reject);
      receiver.bind(port, "0.0.0.0", () => resolve());
    });
    receiver.addMembership(MDNS_GROUP_V4, "127.0.0.1");
    const got = new Promise<boolean>((resolve) => {
      receiver.once("message", () => resolve(true));
      setTimeout(() => resolve(false), 1_000);
    });
    await new Promise<void>((resolve, reject) => sender.bind(0, "0.0.0.0", () => resolve()).once("error", reject));
    sender.setMulticastInterface("127.0.0.1");
    sender.send("probe", port, MDNS_GROUP_V4);
    return (await got) ? undefined : "a multicast datagram sent on loopback never arrived (is MULTICAST set on lo?)";
  } catch (err) {
    return `multicast on loopback failed: ${(err as Error).message}`;
  } finally {
    receiver.close();
    sender.close();
  }
}

function loopbackHasMulticastFlag(): boolean {
  return /<[^>]*\bMULTICAST\b/.test(execFileSync("ip", ["-o", "link", "show", "lo"], { encoding: "utf8" }));
}

/**
 * Makes multicast on loopback work for this test file. Returns why it cannot (to skip with),
 * or undefined, and `restore` to undo any change.
 */
export async function enableLoopbackMulticast(port: number): Promise<{ skip?: string; restore: () => void }> {
  const nothing = () => undefined;
  if ((await loopbackMulticastProblem(port)) === undefined) return { restore: nothing };
  let wasOn: boolean;
  try {
    wasOn = loopbackHasMulticastFlag();
  } catch (err) {
    return { skip: `multicast on loopback does not work and \`ip\` is unavailable (${(err as Error).message})`, restore: nothing };
  }
  if (wasOn) return { skip: "multicast datagrams on loopback do not arrive although lo has the MULTICAST flag", restore: nothing };
  if (process.getuid?.() !== 0) return { skip: "loopback has no MULTICAST flag and setting it (`ip link set lo multicast on`) needs root", restore: nothing };
  try {
    execFileSync("ip", ["link", "set", "lo", "multicast", "on"]);
  } catch (err) {
    return { skip: `could not set MULTICAST on lo: ${(err as Error).message}`, restore: nothing };
  }
  const restore = () => {
    try {
      execFileSync("ip", ["link", "set", "lo", "multicast", "off"]);
    } catch {
      // best effort: the flag only allows multicast; leaving it set harms nothing on 127.0.0.1
    }
  };
  if ((await loopbackMulticastProblem(port)) === undefined) return { restore };
  restore();
  return { skip: "multicast datagrams on loopback do not arrive even with the MULTICAST flag set", restore: nothing };
}

// Waiting in the phone tests: poll until a probe gives a value, with the logs in the failure.
import type { BaresipPhone } from './baresip.ts';

/** Polls `probe` every 100 ms until it gives a value; fails naming `what`, with `detail()` (logs). */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, detail: () => string = () => ''): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether the phone's trace has a 200 to its REGISTER (for `until`). */
export function registered(phone: BaresipPhone): true | undefined {
  return phone.sipMessages().some((m) => m.dst === phone.sipAddress && m.startLine.startsWith('SIP/2.0 200') && /^CSeq:\s*\d+ REGISTER/im.test(m.headers)) ? true : undefined;
}

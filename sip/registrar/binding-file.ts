// The registered bindings on disk, so phones stay reachable across a restart instead of waiting up
// to an hour for their next REGISTER. One JSON file, replaced whole: written to a temporary file,
// synced, then renamed over the old one, so a crash leaves either the old or the new file, never
// half of one. A file that cannot be read as ours is moved aside and the server starts empty.
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { parseUri } from '../message/index.ts';
import type { RegisteredBinding } from './binding.ts';

export const BINDINGS_FILE_NAME = 'registrations.json';
const FORMAT_VERSION = 1;

function isSipUri(text: string): boolean {
  try {
    const uri = parseUri(text, 'Contact');
    return uri.kind === 'sip' && uri.scheme !== 'tel';
  } catch {
    return false;
  }
}

const stamp = z.number().int().nonnegative();
const bindingSchema = z.object({
  aor: z.string().regex(/^.+@.+$/),
  contact: z.string().refine(isSipUri, 'must be a SIP URI'),
  q: z.number().min(0).max(1).optional(),
  expiresAt: stamp,
  callId: z.string().min(1),
  cseq: z.number().int().nonnegative(),
  flow: z.object({
    transport: z.string().min(1),
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    transportId: z.string().optional(),
  }),
  instanceId: z.string().optional(),
  regId: z.number().int().nonnegative().optional(),
  userAgent: z.string().optional(),
  registeredAt: stamp,
  updatedAt: stamp,
});
const fileSchema = z.object({ version: z.literal(FORMAT_VERSION), savedAt: stamp, bindings: z.array(bindingSchema) });

export interface LoadedBindings {
  /** The bindings still alive at load time. */
  readonly bindings: RegisteredBinding[];
  /** How many had expired while the server was down, and were dropped. */
  readonly expired: number;
  /** Where a corrupt file was moved, when it was. */
  readonly movedTo: string | undefined;
}

export interface BindingFileOptions {
  /** The data folder; created on the first save. */
  readonly dir: string;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly fileName?: string;
}

export class BindingFile {
  readonly path: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #dir: string;

  constructor(opts: BindingFileOptions) {
    this.#dir = opts.dir;
    this.path = join(opts.dir, opts.fileName ?? BINDINGS_FILE_NAME);
    this.#clock = opts.clock;
    this.#log = opts.logger ?? silentLogger;
  }

  /** Reads the file. Never throws: no file, an unreadable one or a corrupt one all give no bindings. */
  async load(): Promise<LoadedBindings> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#log.error('cannot read the bindings file; starting without registrations', {
          code: 'BINDINGS_FILE_UNREADABLE',
          file: this.path,
          error: (e as Error).message,
        });
      }
      return { bindings: [], expired: 0, movedTo: undefined };
    }
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(text));
    } catch (e) {
      const movedTo = await this.#moveAside(e);
      return { bindings: [], expired: 0, movedTo };
    }
    const now = this.#clock.now();
    const bindings: RegisteredBinding[] = [];
    let expired = 0;
    for (const b of parsed.bindings) {
      if (b.expiresAt <= now) {
        expired++;
        continue;
      }
      bindings.push({
        kind: 'registered',
        aor: b.aor,
        contact: b.contact,
        q: b.q,
        expiresAt: b.expiresAt,
        callId: b.callId,
        cseq: b.cseq,
        flow: { transport: b.flow.transport, host: b.flow.host, port: b.flow.port, ...(b.flow.transportId !== undefined && { transportId: b.flow.transportId }) },
        instanceId: b.instanceId,
        regId: b.regId,
        userAgent: b.userAgent,
        registeredAt: b.registeredAt,
        updatedAt: b.updatedAt,
      });
    }
    return { bindings, expired, movedTo: undefined };
  }

  /** Replaces the file with these bindings, atomically. Throws what the file system throws. */
  async save(bindings: readonly RegisteredBinding[]): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    // JSON.stringify leaves out undefined fields, and `kind` is implied by the file. A connection
    // id is left out: connections do not survive a restart, and a new one may reuse the id.
    const records = bindings.map(({ kind: _kind, flow: { connectionId: _connection, ...flow }, ...rest }) => ({ ...rest, flow }));
    const body = JSON.stringify({ version: FORMAT_VERSION, savedAt: this.#clock.now(), bindings: records }, null, 1);
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(body, 'utf8');
        // Synced before the rename: otherwise a power cut can leave the new name on empty content.
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
  }

  async #moveAside(cause: unknown): Promise<string | undefined> {
    const movedTo = `${this.path}.corrupt-${this.#clock.now()}`;
    const error = cause instanceof z.ZodError ? z.prettifyError(cause).split('\n').slice(0, 3).join('; ') : (cause as Error).message;
    try {
      // Kept, not deleted: an operator may want to see what went wrong, or recover bindings by hand.
      await rename(this.path, movedTo);
      this.#log.error('bindings file is corrupt; moved aside, starting without registrations', {
        code: 'BINDINGS_FILE_CORRUPT',
        file: this.path,
        movedTo,
        error,
      });
      return movedTo;
    } catch (e) {
      this.#log.error('bindings file is corrupt and cannot be moved aside; starting without registrations', {
        code: 'BINDINGS_FILE_CORRUPT',
        file: this.path,
        error,
        renameError: (e as Error).message,
      });
      return undefined;
    }
  }
}

// The config file of the spec ("The config file (YAML)"), as a zod schema. Every problem is reported
// with its path, so an operator fixes the whole file in one go.
import { z } from 'zod';

const port = z.number().int().min(1).max(65535);
const host = z.string().min(1, 'must be a host name or address');

export const sipListenSchema = z.object({
  transport: z.enum(['udp', 'tcp']),
  host,
  port,
});

export const sipUserSchema = z.object({
  id: z.number().int().positive(),
  login: z.string().regex(/^[A-Za-z0-9._~-]+$/, 'must be a SIP user part: letters, digits, . _ ~ -'),
  phonenumber: z.string().regex(/^[0-9]+$/, 'must be digits'),
  password: z.string().min(1),
  /** A static contact (trunks, fixed devices): `sip:host:port`. */
  contact: z.string().regex(/^sips?:/, 'must be a sip: URI').optional(),
});

export const featureCodeSchema = z.object({
  type: z.enum(['conf', 'intercom']),
  prefix: z.string().regex(/^[*#0-9]+$/, 'must be digits, * or #'),
});

export const userSchema = z.object({
  login: z.string().min(1),
  tokens: z.array(z.string().min(8, 'must be at least 8 characters')).min(1),
  sipusers: z.array(sipUserSchema).default([]),
});

export const domainSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a domain name'),
  featurecodes: z.array(featureCodeSchema).default([]),
  users: z.array(userSchema).default([]),
});

/** Limits of the HTTP front end; every one is enforced as bytes arrive. */
export const httpLimitsSchema = z.object({
  maxRequestLineBytes: z.number().int().min(64).max(65536).default(8192),
  maxHeaderBytes: z.number().int().min(256).max(1 << 20).default(16384),
  maxHeaderCount: z.number().int().min(4).max(1000).default(100),
  maxBodyBytes: z.number().int().min(0).max(64 << 20).default(1 << 20),
  headersTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  bodyTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  keepAliveTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
  maxPipelinedRequests: z.number().int().min(1).max(1024).default(32),
});

export const configSchema = z
  .object({
    site: z.string().min(1),
    node: z.string().regex(/^[0-9]{3}$/, 'must be 3 digits, e.g. "001"'),
    sip: z.object({
      listen: z.array(sipListenSchema).min(1),
      media: z.object({
        host,
        ports: z.tuple([port, port]),
      }),
      /**
       * Digest algorithms offered in challenges, most preferred first. MD5 leads by default: many
       * devices (and SIPp) read only the first challenge and know only MD5.
       */
      digestAlgorithms: z
        .array(z.enum(['MD5', 'SHA-256']))
        .min(1)
        .refine((a) => new Set(a).size === a.length, 'must not repeat an algorithm')
        .default(['MD5', 'SHA-256']),
      /** Ringing longer than this: CANCEL to the forks, 480 to the caller. */
      noAnswerTimeoutSec: z.number().int().min(5).max(3600).default(60),
    }),
    http: z.object({
      listen: z.object({ host, port }),
      limits: httpLimitsSchema.default(httpLimitsSchema.parse({})),
    }),
    temporal: z
      .object({
        address: z
          .string()
          .regex(/^(embedded|[A-Za-z0-9.-]+:[0-9]{1,5})$/, 'must be "embedded" or host:port')
          .default('embedded'),
        namespace: z.string().min(1).default('default'),
        /** Embedded dev server only: its gRPC, web UI and Prometheus /metrics ports on loopback. */
        port: port.default(7233),
        uiPort: port.default(8233),
        // Fixed, not the CLI's random pick: a random port could be one this server (or its
        // neighbours) is about to listen on, and a scraper needs to know where to look.
        metricsPort: port.default(8234),
        /** The SDK's stack trace of every workflow promise, for the web UI's "Stack Trace" tab: off,
         * it costs the workflow thread about 40 % of its time (docs/operations.md). */
        workflowStackTraces: z.boolean().default(false),
        /** The SDK's 5 s execution limit, watched once per activation (docs/operations.md): on. */
        workflowWatchdog: z.boolean().default(true),
      })
      .default({ address: 'embedded', namespace: 'default', port: 7233, uiPort: 8233, metricsPort: 8234, workflowStackTraces: false, workflowWatchdog: true }),
    data: z.object({ dir: z.string().min(1) }).default({ dir: './data' }),
    /** Split roles only: where a SIP node serves its call-store feed, and which feeds an API follows. */
    cluster: z
      .object({
        feed: z.object({ host, port }).default({ host: '127.0.0.1', port: 8090 }),
        nodes: z.array(z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, 'must be host:port')).optional(),
      })
      .default({ feed: { host: '127.0.0.1', port: 8090 } }),
    recordings: z.object({ dir: z.string().min(1) }).default({ dir: './data/recordings' }),
    asr: z.object({ engine: z.enum(['pocketsphinx']) }).optional(),
    domains: z.array(domainSchema).min(1),
  })
  .superRefine((cfg, ctx) => {
    const [lo, hi] = cfg.sip.media.ports;
    if (lo > hi) ctx.addIssue({ code: 'custom', path: ['sip', 'media', 'ports'], message: 'first port must not exceed the second' });
    else if (hi - lo < 3) ctx.addIssue({ code: 'custom', path: ['sip', 'media', 'ports'], message: 'range must hold at least two RTP/RTCP pairs' });

    const tokens = new Map<string, string>();
    const domains = new Set<string>();
    cfg.domains.forEach((d, di) => {
      if (domains.has(d.name.toLowerCase()))
        ctx.addIssue({ code: 'custom', path: ['domains', di, 'name'], message: `duplicate domain "${d.name}"` });
      domains.add(d.name.toLowerCase());
      const ids = new Set<number>();
      const names = new Set<string>();
      const prefixes = new Set<string>();
      d.featurecodes.forEach((f, fi) => {
        if (prefixes.has(f.prefix))
          ctx.addIssue({ code: 'custom', path: ['domains', di, 'featurecodes', fi, 'prefix'], message: `duplicate prefix "${f.prefix}"` });
        prefixes.add(f.prefix);
      });
      d.users.forEach((u, ui) => {
        u.tokens.forEach((t, ti) => {
          const owner = tokens.get(t);
          if (owner !== undefined)
            ctx.addIssue({ code: 'custom', path: ['domains', di, 'users', ui, 'tokens', ti], message: `token already given to ${owner}` });
          tokens.set(t, `${u.login}@${d.name}`);
        });
        u.sipusers.forEach((s, si) => {
          const p = ['domains', di, 'users', ui, 'sipusers', si];
          if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: [...p, 'id'], message: `duplicate sipuser id ${s.id}` });
          ids.add(s.id);
          // Logins and numbers share one namespace: a dialled string must name one account.
          for (const key of ['login', 'phonenumber'] as const) {
            if (names.has(s[key]))
              ctx.addIssue({ code: 'custom', path: [...p, key], message: `"${s[key]}" already names another account in this domain` });
            names.add(s[key]);
          }
        });
      });
    });
  });

export type Config = z.infer<typeof configSchema>;
export type DomainConfig = z.infer<typeof domainSchema>;
export type UserConfig = z.infer<typeof userSchema>;
export type SipUserConfig = z.infer<typeof sipUserSchema>;
export type HttpLimits = z.infer<typeof httpLimitsSchema>;

// The roles one process can take. By default one process runs them all; split across processes they
// are the seed's mware (api) and b2b (sip) roles, with workflow workers anywhere.
export const ROLES = ['temporal', 'worker', 'sip', 'api'] as const;
export type Role = (typeof ROLES)[number];

export class RolesError extends Error {
  readonly code = 'ROLES_INVALID';
}

/** Parses `--roles api,sip` (or `all`). `temporal` only makes sense with an embedded server. */
export function parseRoles(text: string | undefined, embeddedTemporal: boolean): Set<Role> {
  if (!text || text === 'all') return new Set(ROLES.filter((r) => r !== 'temporal' || embeddedTemporal));
  const roles = new Set<Role>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(ROLES as readonly string[]).includes(part)) {
      throw new RolesError(`unknown role "${part}": expected a comma list of ${ROLES.join(', ')} or "all"`);
    }
    roles.add(part as Role);
  }
  if (roles.size === 0) throw new RolesError('no role given');
  if (roles.has('temporal') && !embeddedTemporal) {
    throw new RolesError('role "temporal" runs the embedded dev server, but temporal.address names a cluster');
  }
  return roles;
}

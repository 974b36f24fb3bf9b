// The body of SETUP_BINDINGS: labels on a dialog.
import { z } from 'zod';
import { label, msg } from './params.ts';

export const bindingCommands = ['add', 'remove', 'set', 'clear', 'list'] as const;
export const maxLabels = 100;

export const bindingsSchema = z
  .object({
    command: z.enum(bindingCommands, msg(`must be one of ${bindingCommands.join(', ')}`)),
    label: z
      .union([label(), z.array(label()).max(maxLabels, `must hold at most ${maxLabels} labels`)], msg('must be a label or an array of labels'))
      .optional(),
  })
  .superRefine((v, ctx) => {
    // `set` with [] is a way to clear; add and remove need something to add or remove.
    if ((v.command === 'add' || v.command === 'remove') && (v.label === undefined || (Array.isArray(v.label) && v.label.length === 0)))
      ctx.addIssue({ code: 'custom', path: ['label'], message: `is required for ${v.command}` });
    if (v.command === 'set' && v.label === undefined) ctx.addIssue({ code: 'custom', path: ['label'], message: 'is required for set ([] clears)' });
  });
export type BindingsInput = z.output<typeof bindingsSchema>;

/** Applies a command to a label list; the result has no duplicates and keeps first-seen order. */
export function applyBindings(current: readonly string[], input: BindingsInput): string[] {
  const given = input.label === undefined ? [] : Array.isArray(input.label) ? input.label : [input.label];
  switch (input.command) {
    case 'list':
      return [...current];
    case 'clear':
      return [];
    case 'set':
      return [...new Set(given)];
    case 'add':
      return [...new Set([...current, ...given])];
    case 'remove':
      return current.filter((l) => !given.includes(l));
  }
}

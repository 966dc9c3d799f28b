/**
 * The `response` section of the config: policies, actuators, safety rails. Validated with zod;
 * errors name the key path. Secrets are references to env variables or files, never values.
 */
import { z } from 'zod';

const secretRef = z
  .object({ env: z.string().min(1).optional(), file: z.string().min(1).optional() })
  .strict()
  .refine((s) => s.env !== undefined || s.file !== undefined, {
    message: 'give { env: NAME } or { file: PATH }',
  });

const httpsUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), { message: 'must be an http(s) URL' });

export const actuatorSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('crowdstrike'),
      baseUrl: httpsUrl,
      clientId: secretRef,
      clientSecret: secretRef,
    })
    .strict(),
  z
    .object({
      type: z.literal('defender'),
      tenantId: z.string().min(1),
      clientId: secretRef,
      clientSecret: secretRef,
      apiBase: httpsUrl.optional(),
      loginBase: httpsUrl.optional(),
      isolationType: z.enum(['Full', 'Selective']).default('Full'),
    })
    .strict(),
  z.object({ type: z.literal('sentinelone'), baseUrl: httpsUrl, apiToken: secretRef }).strict(),
  z.object({ type: z.literal('webhook'), url: httpsUrl, secret: secretRef }).strict(),
  z
    .object({
      type: z.literal('command'),
      argv: z.array(z.string()).min(1),
      timeoutSeconds: z.number().positive().default(30),
    })
    .strict(),
]);

export const PRIORITIES = ['Low', 'Medium', 'High', 'Critical'] as const;

const condition = z
  .object({
    /** The host's priority is at least this. */
    priorityAtLeast: z.enum(PRIORITIES).optional(),
    threatAtLeast: z.number().min(0).max(99).optional(),
    certaintyAtLeast: z.number().min(0).max(99).optional(),
    /** The host has an active detection of one of these types. */
    detectionTypes: z.array(z.string().min(1)).optional(),
    /** The host has one of these roles (e.g. `domain-controller`). */
    roles: z.array(z.string().min(1)).optional(),
    /** The host is part of a linked campaign (attack graph). */
    inCampaign: z.boolean().optional(),
    /** The host belongs to one of these groups (`response.groups`). */
    groups: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, { message: 'a policy needs at least one condition' });

export const policySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'use lower-case letters, digits and -' }),
    /** off: ignored; dry-run: decide and log only; approve: queue for an analyst; auto: act. */
    mode: z.enum(['off', 'dry-run', 'approve', 'auto']).default('dry-run'),
    /** isolate-host (EDR), block-account (the host's detections' accounts), block-ip (their external addresses). */
    action: z.enum(['isolate-host', 'block-account', 'block-ip']).default('isolate-host'),
    /** Name of an entry in `response.actuators`. */
    actuator: z.string().min(1),
    when: condition,
    /** Actions this policy may take per hour of event time; beyond it, actions are queued. */
    maxActionsPerHour: z.number().int().min(1).default(5),
    /** After a release, the same host is not acted on again for this long (event time). */
    cooldownSeconds: z.number().min(0).default(3600),
    /** Release when the condition stops holding (the score decayed, detections closed). */
    autoRelease: z.boolean().default(true),
  })
  .strict();

export const responseSchema = z
  .object({
    policies: z.array(policySchema).default([]),
    actuators: z.record(z.string().min(1), actuatorSchema).default({}),
    neverTouch: z
      .object({
        hosts: z.array(z.string().min(1)).default([]),
        subnets: z.array(z.string().min(1)).default([]),
        roles: z.array(z.string().min(1)).default([]),
        /** Groups (`response.groups`) whose hosts are never acted on. */
        groups: z.array(z.string().min(1)).default([]),
        /** Accounts never disabled (break-glass admins, service accounts). */
        accounts: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ hosts: [], subnets: [], roles: [], groups: [], accounts: [] }),
    /**
     * Host groups (tags) for policies and the never-touch list: name → members, each a host key
     * (`name:DC1`), a host name (`DC1`), an IPv4 address or CIDR.
     */
    groups: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    /** Actions across all policies per hour of event time; beyond it, actions are queued. */
    maxActionsPerHour: z.number().int().min(1).default(10),
  })
  .strict()
  .superRefine((r, ctx) => {
    const known = new Set(Object.keys(r.groups));
    r.neverTouch.groups.forEach((g, i) => {
      if (!known.has(g))
        ctx.addIssue({
          code: 'custom',
          path: ['neverTouch', 'groups', i],
          message: `no group ${g} in response.groups`,
        });
    });
    r.policies.forEach((p, i) => {
      (p.when.groups ?? []).forEach((g, j) => {
        if (!known.has(g))
          ctx.addIssue({
            code: 'custom',
            path: ['policies', i, 'when', 'groups', j],
            message: `no group ${g} in response.groups`,
          });
      });
      if (!(p.actuator in r.actuators)) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'actuator'],
          message: `names no actuator (configured: ${Object.keys(r.actuators).join(', ') || 'none'})`,
        });
      }
    });
  });

export type ResponseConfig = z.infer<typeof responseSchema>;
export type ResponsePolicy = z.infer<typeof policySchema>;
export type ActuatorConfig = z.infer<typeof actuatorSchema>;

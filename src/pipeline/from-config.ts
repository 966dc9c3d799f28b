/** Builds the pipeline's parts from a validated config file: engine, scoring, response, alerts. */
import { readFileSync } from 'node:fs';
import { AlertRouter, JsonlOutput, SyslogOutput, WebhookOutput } from '../alert/outputs.js';
import type { VigilConfig } from '../config/schema.js';
import type { EngineConfig } from '../detect/engine.js';
import { CommandActuator } from '../respond/actuators/command.js';
import { CrowdStrikeActuator } from '../respond/actuators/crowdstrike.js';
import { DefenderActuator } from '../respond/actuators/defender.js';
import { SentinelOneActuator } from '../respond/actuators/sentinelone.js';
import type { Actuator } from '../respond/actuators/types.js';
import { WebhookActuator } from '../respond/actuators/webhook.js';
import { AuditLog } from '../respond/audit.js';
import type { ActuatorConfig, ResponseConfig } from '../respond/config.js';
import { Responder } from '../respond/responder.js';
import { readSecret } from '../respond/secrets.js';
import { DEFAULT_SCORE_CONFIG, type ScoreConfig } from '../score/scoring.js';

export function engineConfig(cfg: VigilConfig): EngineConfig {
  return { detectors: cfg.detectors, disabled: cfg.disabledDetectors, triage: cfg.triage };
}

export function scoreConfig(cfg: VigilConfig): ScoreConfig {
  return { ...DEFAULT_SCORE_CONFIG, ...cfg.score };
}

export function buildActuator(name: string, a: ActuatorConfig): Actuator {
  const what = `response.actuators.${name}`;
  switch (a.type) {
    case 'crowdstrike':
      return new CrowdStrikeActuator({
        baseUrl: a.baseUrl,
        clientId: readSecret(a.clientId, `${what}.clientId`),
        clientSecret: readSecret(a.clientSecret, `${what}.clientSecret`),
      });
    case 'defender':
      return new DefenderActuator({
        tenantId: a.tenantId,
        clientId: readSecret(a.clientId, `${what}.clientId`),
        clientSecret: readSecret(a.clientSecret, `${what}.clientSecret`),
        apiBase: a.apiBase,
        loginBase: a.loginBase,
        isolationType: a.isolationType,
      });
    case 'sentinelone':
      return new SentinelOneActuator({
        baseUrl: a.baseUrl,
        apiToken: readSecret(a.apiToken, `${what}.apiToken`),
      });
    case 'webhook':
      return new WebhookActuator({ url: a.url, secret: readSecret(a.secret, `${what}.secret`) });
    case 'command':
      return new CommandActuator({ argv: a.argv, timeoutMs: a.timeoutSeconds * 1000 });
  }
}

/**
 * The responder for a config, or undefined when no policy is configured. `forceDryRun` turns
 * every `auto`/`approve` policy into `dry-run` (replays of old logs must never act on hosts now).
 */
export function buildResponder(
  cfg: VigilConfig,
  auditFile: string | undefined,
  forceDryRun: boolean,
): Responder | undefined {
  if (cfg.response.policies.length === 0) return undefined;
  const response: ResponseConfig = forceDryRun
    ? {
        ...cfg.response,
        policies: cfg.response.policies.map((p) =>
          p.mode === 'off' ? p : { ...p, mode: 'dry-run' as const },
        ),
      }
    : cfg.response;
  const actuators = new Map<string, Actuator>();
  for (const [name, a] of Object.entries(response.actuators)) {
    if (!response.policies.some((p) => p.actuator === name && p.mode !== 'off')) continue;
    // Dry runs never call an actuator: do not demand its secrets.
    actuators.set(name, forceDryRun ? dryActuator(name) : buildActuator(name, a));
  }
  for (const p of response.policies)
    if (!actuators.has(p.actuator)) actuators.set(p.actuator, dryActuator(p.actuator));
  return new Responder(response, actuators, new AuditLog(auditFile));
}

function dryActuator(name: string): Actuator {
  const refuse = (): never => {
    throw new Error(`actuator ${name} is not armed (dry run)`);
  };
  return { kind: 'dry-run', isolate: async () => refuse(), release: async () => refuse() };
}

export function buildAlerts(
  cfg: VigilConfig,
  version: string,
  onError: (output: string, err: Error) => void,
): AlertRouter | undefined {
  const a = cfg.alerts;
  const outputs = [
    ...a.syslog.map(
      (s) =>
        new SyslogOutput({
          host: s.host,
          port: s.port,
          transport: s.transport,
          ca: s.caFile ? readFileSync(s.caFile, 'utf8') : undefined,
          servername: s.servername,
          version,
        }),
    ),
    ...a.webhooks.map(
      (w, i) => new WebhookOutput(w.url, readSecret(w.secret, `alerts.webhooks[${i}].secret`)),
    ),
    ...a.jsonl.map((f) => new JsonlOutput(f)),
  ];
  return outputs.length > 0 ? new AlertRouter(outputs, onError) : undefined;
}
